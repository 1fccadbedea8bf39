"""How good are the partner suggestions? Hide ties, ask each scorer to find them again.

    .venv/bin/python -m bench.synergy_eval                       # the four built-in networks
    .venv/bin/python -m bench.synergy_eval --graphml FILE --json  # one GraphML file, JSON on stdout
    .venv/bin/python -m bench.synergy_eval --dataset karate --reps 20

For every network and repetition (fixed seeds) a random 20% of the ties is hidden. Every
actor that lost a tie gets a ranking of all actors it is not (visibly) tied to; the scorers are

- random: a random order;
- common_neighbours: networkx's common neighbours, counted;
- adamic_adar: networkx's `adamic_adar_index`;
- knotenpunkt: the combined score of knotenpunkt/synergies/engine.py, with the themes, SDGs,
  countries and texts of the actors where the network has them.

Equal scores are ordered by one random permutation shared by all scorers. Reported per scorer:
precision@10 (hidden ties among the first ten), recall@10 (share of the actor's hidden ties in
its first ten) and MRR (1 / rank of the first hidden tie), averaged over actors, then over
repetitions.

Networks: Davis' Southern Women (18 women, 14 events: a two-mode actor–event network), the
Florentine families (marriages), Zachary's karate club, and the synthetic generator
(knotenpunkt/demo/synthetic_network.py, 2,000 actors with themes, SDGs, countries and descriptions).
GraphML: node attributes `themes`, `sdgs`, `countries` (";"-separated) and `text`, and `kind`
(actor kind, for the sector bonus) are used when present; a `bipartite` attribute on every node
(networkx's convention) declares a two-mode network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

SCORERS = ("random", "common_neighbours", "adamic_adar", "knotenpunkt")
METRICS = ("precision_at_10", "recall_at_10", "mrr")
K = 10


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knotenpunkt.settings")
    import django

    django.setup()


# --- networks ---------------------------------------------------------------------------------


class Network:
    """A graph with optional node attributes, nodes as 0…n-1."""

    def __init__(
        self, name, n, edges, *, themes=None, sdgs=None, countries=None, texts=None, kinds=None, note="",
        two_mode=False,
    ):  # fmt: skip
        self.name, self.n, self.note, self.two_mode = name, n, note, two_mode
        pairs = {(min(u, v), max(u, v)) for u, v in edges if u != v}
        self.edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self.themes, self.sdgs, self.countries = themes, sdgs, countries
        self.texts, self.kinds = texts, kinds


def from_networkx(name, graph, note="", attributes=True) -> Network:
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in graph.edges]

    def column(key):
        if not attributes or not any(key in graph.nodes[v] for v in nodes):
            return None
        return [[x.strip() for x in str(graph.nodes[v].get(key, "")).split(";") if x.strip()] for v in nodes]

    texts = None
    if attributes and any("text" in graph.nodes[v] for v in nodes):
        texts = [str(graph.nodes[v].get("text", "")) for v in nodes]
    kinds = None
    if attributes and any("kind" in graph.nodes[v] for v in nodes):
        kinds = [str(graph.nodes[v].get("kind", "")) for v in nodes]
    return Network(
        name, len(nodes), edges, themes=column("themes"), sdgs=column("sdgs"), countries=column("countries"),
        texts=texts, kinds=kinds, note=note,
        # networkx marks the two modes of a network with a node attribute `bipartite` (0 or 1).
        two_mode=bool(nodes) and all("bipartite" in graph.nodes[v] for v in nodes),
    )  # fmt: skip


def builtin_networks(seed: int, synthetic_actors: int) -> list[Network]:
    import networkx as nx

    return [
        from_networkx("davis", nx.davis_southern_women_graph(), "Zwei-Modi-Netz: 18 Frauen, 14 Treffen"),
        from_networkx("florentine", nx.florentine_families_graph(), "15 Familien, Heiratsbeziehungen"),
        from_networkx("karate", nx.karate_club_graph(), "34 Mitglieder, Kontakte außerhalb des Vereins"),
        synthetic_network(synthetic_actors, seed),
    ]


def synthetic_network(actors: int, seed: int) -> Network:
    from knotenpunkt.demo import synthetic_network as synthetic

    data = synthetic.generate_actors(actors, seed)
    synthetic.generate_ties(data, actors * 5, seed)

    def lists(pairs, label):
        out = [[] for _ in range(actors)]
        for owner, item in pairs.tolist():
            out[owner].append(label(item))
        return out

    return Network(
        "synthetic",
        actors,
        zip(data.tie_source.tolist(), data.tie_target.tolist(), strict=True),
        themes=lists(data.actor_themes, lambda t: synthetic.THEMES[t][0]),
        sdgs=lists(data.actor_sdgs, str),
        countries=lists(data.actor_countries, lambda c: synthetic.COUNTRIES[c][0]),
        texts=data.descriptions,
        kinds=[str(synthetic.KINDS[k].value) for k in data.kinds],
        note=f"Generator, {actors:,} Akteure, {actors * 5:,} Beziehungen, Seed {seed}",
    )


# --- scorers ----------------------------------------------------------------------------------


def engine_inputs(network: Network, train_edges: np.ndarray):
    from knotenpunkt.synergies import engine, text
    from knotenpunkt.synergies.sectors import sector_index

    n = network.n
    feature_pairs, vocabulary = [], {}
    for values, prefix in ((network.themes, "t"), (network.sdgs, "s"), (network.countries, "c")):
        if values is None:
            continue
        for node, items in enumerate(values):
            for item in items:
                feature_pairs.append((node, vocabulary.setdefault(f"{prefix}:{item}", len(vocabulary))))
    features = engine.indicator(n, feature_pairs, len(vocabulary)) if feature_pairs else None
    text_matrix = None
    if network.texts is not None:
        vocab = text.fit(network.texts)
        if vocab.index:
            text_matrix = vocab.transform(network.texts)
    sector = np.array([sector_index(k) for k in network.kinds]) if network.kinds else None
    inputs = engine.Inputs(
        n=n,
        adjacency=engine.adjacency_from_edges(n, train_edges),
        features=features,
        text=text_matrix,
        sector=sector,
        two_mode=network.two_mode,
    )
    return engine.prepare(inputs)


def score_all(scorer: str, network: Network, train_edges, nodes, candidates, rng, graph=None, inputs=None):
    """Scores for every (node, candidate) pair: a list of arrays, one per node."""
    if scorer == "random":
        return [rng.random(len(c)) for c in candidates]
    if scorer == "common_neighbours":
        import networkx as nx

        return [np.array([len(list(nx.common_neighbors(graph, u, v))) for v in c], dtype=float)
                for u, c in zip(nodes, candidates, strict=True)]  # fmt: skip
    if scorer == "adamic_adar":
        import networkx as nx

        return [np.array([p for _, _, p in nx.adamic_adar_index(graph, [(u, v) for v in c])], dtype=float)
                for u, c in zip(nodes, candidates, strict=True)]  # fmt: skip
    if scorer == "knotenpunkt":
        from knotenpunkt.synergies import engine

        xs = np.concatenate([np.full(len(c), u) for u, c in zip(nodes, candidates, strict=True)])
        ys = np.concatenate(candidates)
        scores = engine.score_pairs(inputs, xs, ys).score
        return np.split(scores, np.cumsum([len(c) for c in candidates])[:-1])
    raise ValueError(scorer)


def evaluate(network: Network, *, reps: int, seed: int, hide: float, max_nodes: int) -> dict:
    import networkx as nx

    results = {s: {m: [] for m in METRICS} for s in SCORERS}
    timings = dict.fromkeys(SCORERS, 0.0)
    m = len(network.edges)
    for rep in range(reps):
        rng = np.random.default_rng([seed, rep])
        hidden_mask = np.zeros(m, dtype=bool)
        hidden_mask[rng.choice(m, size=max(1, round(hide * m)), replace=False)] = True
        train, hidden = network.edges[~hidden_mask], network.edges[hidden_mask]
        graph = nx.Graph()
        graph.add_nodes_from(range(network.n))
        graph.add_edges_from(train.tolist())
        hidden_of: dict[int, set] = {}
        for u, v in hidden.tolist():
            hidden_of.setdefault(u, set()).add(v)
            hidden_of.setdefault(v, set()).add(u)
        nodes = sorted(hidden_of)
        if len(nodes) > max_nodes:
            nodes = sorted(rng.choice(nodes, size=max_nodes, replace=False).tolist())
        everyone = np.arange(network.n)
        candidates = []
        for u in nodes:
            mask = np.ones(network.n, dtype=bool)
            mask[u] = False
            mask[list(graph.adj[u])] = False
            candidates.append(everyone[mask])
        tiebreak = [rng.permutation(len(c)) for c in candidates]
        inputs = None
        t = time.perf_counter()
        inputs = engine_inputs(network, train)
        prep = time.perf_counter() - t
        for scorer in SCORERS:
            t = time.perf_counter()
            scores = score_all(scorer, network, train, nodes, candidates, np.random.default_rng([seed, rep, 7]),
                               graph=graph, inputs=inputs)  # fmt: skip
            timings[scorer] += time.perf_counter() - t + (prep if scorer == "knotenpunkt" else 0)
            p, r, rr = [], [], []
            for u, cand, score, tb in zip(nodes, candidates, scores, tiebreak, strict=True):
                order = np.lexsort((tb, -score))
                ranked = cand[order]
                is_hit = np.isin(ranked, list(hidden_of[u]))
                hits = int(is_hit[:K].sum())
                p.append(hits / K)
                r.append(hits / len(hidden_of[u]))
                first = np.flatnonzero(is_hit)
                rr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
            results[scorer]["precision_at_10"].append(float(np.mean(p)))
            results[scorer]["recall_at_10"].append(float(np.mean(r)))
            results[scorer]["mrr"].append(float(np.mean(rr)))
    summary = {
        scorer: {
            **{metric: round(float(np.mean(values)), 4) for metric, values in results[scorer].items()},
            **{f"{metric}_sd": round(float(np.std(values)), 4) for metric, values in results[scorer].items()},
            "seconds": round(timings[scorer], 3),
        }
        for scorer in SCORERS
    }
    return {
        "network": network.name,
        "note": network.note,
        "actors": network.n,
        "ties": m,
        "repetitions": reps,
        "hidden_share": hide,
        "scorers": summary,
        "beats_adamic_adar": {
            metric: summary["knotenpunkt"][metric] > summary["adamic_adar"][metric] for metric in METRICS
        },
    }


def print_table(rows: list[dict]) -> None:
    print(f"\n{'Netz':<12} {'Verfahren':<18} {'P@10':>7} {'R@10':>7} {'MRR':>7} {'s':>8}")
    for row in rows:
        for scorer in SCORERS:
            s = row["scorers"][scorer]
            print(
                f"{row['network']:<12} {scorer:<18} {s['precision_at_10']:>7.3f} {s['recall_at_10']:>7.3f} "
                f"{s['mrr']:>7.3f} {s['seconds']:>8.2f}"
            )
        better = ", ".join(f"{m}: {'ja' if ok else 'NEIN'}" for m, ok in row["beats_adamic_adar"].items())
        print(f"{'':<12} knotenpunkt besser als adamic_adar – {better}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synergy_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--graphml", action="append", default=[], help="GraphML-Datei (mehrfach möglich)")
    parser.add_argument("--dataset", action="append", default=[], help="davis, florentine, karate, synthetic")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hide", type=float, default=0.2)
    parser.add_argument("--synthetic-actors", type=int, default=2000)
    parser.add_argument("--max-nodes", type=int, default=300, help="höchstens so viele Akteure je Wiederholung")
    parser.add_argument("--json", action="store_true", help="ein JSON-Objekt auf stdout")
    args = parser.parse_args(argv)
    _setup_django()
    import networkx as nx

    if args.graphml:
        networks = [from_networkx(os.path.basename(p), nx.read_graphml(p), p) for p in args.graphml]
    else:
        networks = builtin_networks(args.seed, args.synthetic_actors)
    if args.dataset:
        networks = [n for n in networks if n.name in args.dataset]
    rows = [
        evaluate(network, reps=args.reps, seed=args.seed, hide=args.hide, max_nodes=args.max_nodes)
        for network in networks
    ]
    if args.json:
        # Each scorer's figures (averaged over the networks if there are several), and each network's.
        out = {
            scorer: {metric: round(float(np.mean([r["scorers"][scorer][metric] for r in rows])), 4)
                     for metric in METRICS}
            for scorer in SCORERS
        }  # fmt: skip
        out["networks"] = {row["network"]: row for row in rows}
        json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

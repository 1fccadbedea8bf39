"""The network map in Chromium on the bench database: a 2,000-node filtered view drawn and interactive ≤ 2 s.

    .venv/bin/python -m bench.run --only map            # with the ego JSON bench (bench/network_map.py)
    .venv/bin/python -m bench.network_browser [--map-reps 5]

Starts gunicorn with production settings (bench/server.py, page cache on as served) and drives the
Debian Chromium (/usr/bin/chromium) with Playwright, as a coordinator (a session made in this process:
no page cache, every graph.json computed) and as a visitor (graph.json from the page cache after the
warm-up, as a running site serves it). Per repetition and role, in rotation, each in a fresh tab:

- big view: /netzwerk/ filtered to more matching actors than the map's cap (GRAPH_MAX_NODES = 2,000),
  so 2,000 nodes are drawn. Measured with the page's own clock (ms from the start of the navigation):
  graph.json received, elements added, and `network-map:ready` (static/js/network-map.js: the graph
  is laid out and its first frame drawn). Then the view is used with real input: a wheel zoom (input
  event → second frame after the viewport changed) and a click on a node (pointerdown → the card
  shown and painted). The run fails if the view has not 2,000 nodes or the click opens no card.
- small view: a filter matching about 200 actors (laid out in the browser, fCoSE), `network-map:ready`.
- plain page: the start page /, the navigation's loadEventEnd.

Target: `network-map:ready` of the big view ≤ 2,000 ms in every repetition (the maximum counts).
The ratios big view / plain page and big view / small view put the figure against this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHROMIUM = Path("/usr/bin/chromium")
# As tests/browser/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
DRAW_TARGET_MS = 2000
BIG_VIEW = {"kind": "association", "level": "regional"}  # ~4,500 of 100,000 synthetic actors
SMALL_VIEW = {"kind": "company", "level": "international"}  # ~230
PLAIN_PAGE = "/"
READY = "body[data-network-ready=true]"

# Timestamps on the page's clock (performance.now(), ms since the navigation started) for the input
# measurements: the input event, then the frame after the map reacted.
PROBE = """
window.__kpBench = {};
const twoFrames = (key) => requestAnimationFrame(() => requestAnimationFrame(() => {
  window.__kpBench[key] = performance.now();
}));
document.addEventListener("pointerdown", (e) => { window.__kpBench.pointerdown = e.timeStamp; }, true);
document.addEventListener("wheel", (e) => {
  if (window.__kpBench.wheel === undefined) window.__kpBench.wheel = e.timeStamp;
}, { capture: true, passive: true });
document.addEventListener("DOMContentLoaded", () => {
  const card = document.getElementById("network-card");
  if (!card) return;
  new MutationObserver(() => {
    if (!card.hidden && window.__kpBench.cardShown === undefined) {
      window.__kpBench.cardShown = performance.now();
      twoFrames("cardPainted");
    }
  }).observe(card, { attributes: true, attributeFilter: ["hidden"] });
});
window.__kpBenchWatchZoom = () => {
  delete window.__kpBench.wheel;
  delete window.__kpBench.zoomPainted;
  window.networkMap.one("viewport", () => twoFrames("zoomPainted"));
};
"""

TIMINGS = """() => {
  const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]));
  const json = performance.getEntriesByType('resource').filter((r) => r.name.includes('/graph.json'))[0];
  return {
    marks,
    json_request_start: json ? json.requestStart : null,
    json_response_start: json ? json.responseStart : null,
    json_response_end: json ? json.responseEnd : null,
    json_bytes: json ? json.encodedBodySize : null,
    nodes: window.networkMap.nodes().length,
    edges: window.networkMap.edges().length,
    status: document.getElementById('network-status').textContent.trim(),
  };
}"""

# The biggest node no other node overlaps (a click on it can only mean it), zoomed in on and centred as a
# user would before clicking it, drawn 24 px wide: a click target as users meet it, so an offset of more than
# 12 px between drawing and hit-testing shows as a miss.
ZOOM_TO_BIGGEST = """() => {
  const cy = window.networkMap;
  cy.stop(true, true);
  const all = cy.nodes().map((n) => ({ node: n, p: n.position(), r: n.data('size') / 2 }));
  const clear = (a) => all.every((b) => b === a || Math.hypot(a.p.x - b.p.x, a.p.y - b.p.y) > a.r + b.r + 2);
  const node = all.filter(clear).sort((a, b) => b.r - a.r)[0].node;
  cy.zoom({ level: Math.min(cy.maxZoom(), 24 / node.data('size')), position: node.position() });
  cy.center(node);
  return { id: node.id(), name: node.data('name'), rendered_width: node.renderedWidth() };
}"""

NODE_POINT = """(id) => {
  const cy = window.networkMap;
  const node = cy.getElementById(id);
  const box = cy.container().getBoundingClientRect();
  const p = node.renderedPosition();
  return { x: box.left + p.x, y: box.top + p.y };
}"""


def _stats(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "max_ms": round(float(max(values)), 1),
        "min_ms": round(float(min(values)), 1),
    }


def choose_views(user) -> dict:
    """The filters and how many actors they match for `user`; the big one must exceed the map's cap."""
    from knotenpunkt.network import map as graph_map
    from knotenpunkt.network.map_forms import MapFilterForm

    views = {}
    for key, params in (("big", BIG_VIEW), ("small", SMALL_VIEW)):
        filters = MapFilterForm(params, user=user).filters()
        matching = graph_map.filtered_actors(user=user, filters=filters).count()
        views[key] = {"params": params, "path": "/netzwerk/?" + urlencode(params), "matching": matching}
    views["cap"] = graph_map.GRAPH_MAX_NODES
    return views


def session_cookie(user) -> tuple[str, str]:
    """A logged-in session for `user` in the database the server uses (as the test client makes one)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def end_session(key: str) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=key).delete()


def _open(context, path: str):
    page = context.new_page()
    cache = {}
    page.on(
        "response",
        lambda r: cache.setdefault("x_page_cache", r.headers.get("x-page-cache")) if "/graph.json" in r.url else None,
    )
    page.goto(path)
    return page, cache


def measure_plain(context) -> dict:
    page, _ = _open(context, PLAIN_PAGE)
    page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    nav = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.loadEventEnd, n.domContentLoadedEventEnd, n.responseEnd]; })()"
    )
    page.close()
    return {"load_ms": round(nav[0], 1), "dom_content_loaded_ms": round(nav[1], 1), "html_ms": round(nav[2], 1)}


def measure_view(context, path: str, *, interact: bool) -> dict:
    """One navigation to a map view: the page's timings, and with `interact` a wheel zoom and a node click."""
    page, cache = _open(context, path)
    page.wait_for_selector(READY, state="attached", timeout=60_000)
    t = page.evaluate(TIMINGS)
    marks = t.pop("marks")
    row = {
        "ready_ms": round(marks["network-map:ready"], 1),
        "json_ms": round(t["json_response_end"], 1) if t["json_response_end"] is not None else None,
        "json_server_ms": round(t["json_response_start"] - t["json_request_start"], 1)
        if t["json_response_start"] is not None
        else None,
        "added_ms": round(marks.get("network-map:added", float("nan")), 1),
        "laid_out_ms": round(marks.get("network-map:laid-out", float("nan")), 1),
        "x_page_cache": cache.get("x_page_cache"),
        **t,
    }
    if interact:
        row.update(_interact(page))
    page.close()
    return row


def _interact(page) -> dict:
    """A wheel zoom at the centre of the map, then a click on the biggest free node: both answered, and how fast.

    `click_hit`: the click on the node where it is drawn selected that node and opened its card. If it
    did not, the click is repeated once after `cy.resize()` (cytoscape then re-reads where its canvas is
    on the page), to tell an offset between drawing and hit-testing from a map that does not answer.
    """
    box = page.locator("#network-graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 300))
    zoom_before = page.evaluate("window.networkMap.zoom()")
    page.evaluate("window.__kpBenchWatchZoom()")
    page.mouse.wheel(0, -240)
    page.wait_for_function("window.__kpBench.zoomPainted !== undefined", timeout=10_000)
    zoomed = page.evaluate("[window.networkMap.zoom(), window.__kpBench.zoomPainted - window.__kpBench.wheel]")
    target = page.evaluate(ZOOM_TO_BIGGEST)
    row = {"zoom_ms": round(zoomed[1], 1), "zoomed": zoomed[0] > zoom_before, "clicked": target["name"]}
    first = _click(page, target)
    row.update(click_hit=first["hit"], click_ms=first["ms"], click_selected=first["selected"])
    if not first["hit"]:
        page.evaluate("window.networkMap.resize()")
        again = _click(page, target)
        row.update(click_hit_after_resize=again["hit"], click_ms_after_resize=again["ms"])
    return row


def _click(page, target: dict) -> dict:
    page.wait_for_function("!window.networkMap.animated()")
    page.evaluate(
        """() => new Promise((resolve) => {
            window.networkMap.elements().unselect();
            document.getElementById('network-card').hidden = true;
            delete window.__kpBench.pointerdown; delete window.__kpBench.cardShown; delete window.__kpBench.cardPainted;
            requestAnimationFrame(() => requestAnimationFrame(resolve));
        })"""
    )
    point = page.evaluate(NODE_POINT, target["id"])
    page.mouse.click(point["x"], point["y"])
    with contextlib.suppress(PlaywrightTimeout):  # no card: recorded as a miss below
        page.wait_for_function("window.__kpBench.cardPainted !== undefined", timeout=3_000)
    probe = page.evaluate("window.__kpBench")
    selected = page.evaluate("window.networkMap.nodes(':selected').map((n) => n.id())")
    card = page.locator("#network-card")
    card_name = card.locator("[data-field=name]").text_content() if card.is_visible() else None
    ms = probe.get("cardPainted") - probe["pointerdown"] if probe.get("cardPainted") else None
    return {
        "hit": selected == [target["id"]] and card_name == target["name"],
        "ms": round(ms, 1) if ms is not None else None,
        "selected": selected,
    }


def _click_text(sample: dict) -> str:
    if sample["click_hit"]:
        return f"{sample['click_ms']:.0f} ms"
    text = f"daneben (gewählt {sample['click_selected'] or 'nichts'})"
    if sample.get("click_hit_after_resize"):
        text += f", nach cy.resize() {sample['click_ms_after_resize']:.0f} ms"
    return text


def run(args, env: dict) -> dict:
    """Start gunicorn, measure the views in Chromium as coordinator and visitor; see the module docstring."""
    from bench import server
    from bench.network_map import bench_coordinator

    reps = getattr(args, "map_reps", 5)
    print(f"== Netzwerkkarte in Chromium: {reps} Wiederholungen ==", flush=True)
    if not CHROMIUM.exists():
        return {"ok": False, "error": f"Chromium fehlt unter {CHROMIUM} (apt-get install chromium)"}
    from django.contrib.auth.models import AnonymousUser

    coordinator = bench_coordinator()
    views = {"coordinator": choose_views(coordinator), "visitor": choose_views(AnonymousUser())}
    cookie_name, session_key = session_cookie(coordinator)
    results = {"target_ms": DRAW_TARGET_MS, "repetitions": reps, "views": views, "roles": {}}
    for who, v in views.items():
        print(f"  {who}: {v['big']['path']} passt auf {v['big']['matching']:,} Akteure (Obergrenze {v['cap']}), "
              f"{v['small']['path']} auf {v['small']['matching']:,}", flush=True)  # fmt: skip

    RESULTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    server_env = {**env, "KNOTENPUNKT_PAGE_CACHE": "1"}  # as served; the coordinator's pages are never cached
    port = getattr(args, "port", 0) or server.free_port()
    # Playwright's sync API runs an event loop in this thread: Django's ORM refuses to run while it does.
    load = {"start": [round(x, 2) for x in os.getloadavg()]}
    try:
        with server.gunicorn(
            root=ROOT,
            env=server_env,
            port=port,
            workers=getattr(args, "workers", 2),
            log_path=RESULTS / "gunicorn-map.log",
        ) as base:
            results["roles"] = _drive(base, views, reps, cookie=(cookie_name, session_key))
    finally:
        end_session(session_key)
    load["end"] = [round(x, 2) for x in os.getloadavg()]
    results["load_average"] = load
    ok = True
    for who, role in results["roles"].items():
        big = role["big"]
        functional = (
            all(s["nodes"] == views[who]["cap"] and s["zoomed"] and s["click_hit"] for s in big["samples"])
            and views[who]["big"]["matching"] > views[who]["cap"]
        )
        big["functional_ok"] = functional
        big["ok"] = functional and big["ready"]["max_ms"] <= DRAW_TARGET_MS
        role["ratio_plain"] = round(big["ready"]["p50_ms"] / role["plain"]["load"]["p50_ms"], 2)
        role["ratio_small"] = round(big["ready"]["p50_ms"] / role["small"]["ready"]["p50_ms"], 2)
        ok &= big["ok"]
    results["ok"] = ok
    return results


def _drive(base: str, views: dict, reps: int, *, cookie: tuple[str, str]) -> dict:
    from playwright.sync_api import sync_playwright

    roles = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for who in ("coordinator", "visitor"):
                context = browser.new_context(
                    base_url=base, viewport=VIEWPORT, locale="de-DE", timezone_id="Europe/Berlin"
                )
                context.set_default_timeout(30_000)
                context.add_init_script(PROBE)
                if who == "coordinator":
                    context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": base}])
                big, small = views[who]["big"]["path"], views[who]["small"]["path"]
                # Warm-up as a running site: both workers have served the big view (igraph imported,
                # for visitors the page cache filled), the browser has the scripts from an earlier visit.
                for _ in range(3):
                    context.request.get(big.replace("/netzwerk/?", "/netzwerk/graph.json?"))
                measure_view(context, small, interact=False)
                measure_view(context, big, interact=False)
                measure_plain(context)
                samples = {"plain": [], "small": [], "big": []}
                for rep in range(reps):
                    samples["plain"].append(measure_plain(context))
                    samples["small"].append(measure_view(context, small, interact=False))
                    samples["big"].append(measure_view(context, big, interact=True))
                    b, small_ms, plain_ms = samples["big"][-1], samples["small"][-1], samples["plain"][-1]
                    print(
                        f"  {who} #{rep + 1}: 2.000er-Ansicht bereit {b['ready_ms']:.0f} ms "
                        f"(JSON {b['json_ms']:.0f} ms, Server {b['json_server_ms']:.0f} ms), "
                        f"Zoom {b['zoom_ms']:.0f} ms, Klick {_click_text(b)}; "
                        f"klein {small_ms['ready_ms']:.0f} ms; Startseite {plain_ms['load_ms']:.0f} ms",
                        flush=True,
                    )
                context.close()
                roles[who] = {
                    "plain": {"load": _stats([s["load_ms"] for s in samples["plain"]]), "samples": samples["plain"]},
                    "small": {
                        "ready": _stats([s["ready_ms"] for s in samples["small"]]),
                        "nodes": samples["small"][0]["nodes"],
                        "edges": samples["small"][0]["edges"],
                        "samples": samples["small"],
                    },
                    "big": {
                        "ready": _stats([s["ready_ms"] for s in samples["big"]]),
                        "json": _stats([s["json_ms"] for s in samples["big"]]),
                        "json_server": _stats([s["json_server_ms"] for s in samples["big"]]),
                        "added": _stats([s["added_ms"] for s in samples["big"]]),
                        "zoom": _stats([s["zoom_ms"] for s in samples["big"]]),
                        "click": _stats([s["click_ms"] for s in samples["big"] if s["click_hit"]]),
                        "click_hits": sum(s["click_hit"] for s in samples["big"]),
                        "click_after_resize": _stats([s.get("click_ms_after_resize") for s in samples["big"]]),
                        "click_hits_after_resize": sum(bool(s.get("click_hit_after_resize")) for s in samples["big"]),
                        "nodes": samples["big"][0]["nodes"],
                        "edges": samples["big"][0]["edges"],
                        "x_page_cache": sorted({s["x_page_cache"] or "–" for s in samples["big"]}),
                        "samples": samples["big"],
                    },
                }
        finally:
            browser.close()
    return roles


def print_table(results: dict) -> None:
    print("\nNetzwerkkarte in Chromium (Playwright, gunicorn mit Produktionseinstellungen)")
    if "error" in results:
        print(f"  Fehler: {results['error']}")
        return
    print(
        f"  {results['repetitions']} Wiederholungen je Rolle; Zeiten ab Beginn der Navigation (Uhr der Seite); "
        f"Ziel: network-map:ready ≤ {results['target_ms']} ms in jeder Wiederholung"
    )
    for who, role in results["roles"].items():
        v, big, small, plain = results["views"][who], role["big"], role["small"], role["plain"]
        verdict = "OK" if big["ok"] else ("VERFEHLT" if big["functional_ok"] else "FEHLER (Funktion)")
        print(
            f"  {who:<11} {v['big']['path']} ({v['big']['matching']:,} passend, {big['nodes']} Knoten, "
            f"{big['edges']} Kanten, Seiten-Cache {'/'.join(big['x_page_cache'])})"
        )
        print(
            f"    bereit p50 {big['ready']['p50_ms']:6.0f} ms, max {big['ready']['max_ms']:6.0f} ms  {verdict}   "
            f"(graph.json da p50 {big['json']['p50_ms']:.0f} ms, davon Server {big['json_server']['p50_ms']:.0f} ms; "
            f"Elemente hinzugefügt p50 {big['added']['p50_ms']:.0f} ms)"
        )
        print(
            f"    danach: Mausrad-Zoom → Bild p50 {big['zoom']['p50_ms']:.0f} ms (max {big['zoom']['max_ms']:.0f}); "
            f"Klick auf Knoten traf ihn {big['click_hits']}/{results['repetitions']}×"
            + (
                f", → Karte gezeichnet p50 {big['click']['p50_ms']:.0f} ms (max {big['click']['max_ms']:.0f})"
                if big["click"]["n"]
                else ""
            )
        )
        if big["click_hits"] < results["repetitions"]:
            after = big["click_after_resize"]
            print(
                "    FEHLER: der Klick auf den gezeichneten Knoten wählte einen anderen oder keinen; "
                f"nach cy.resize() traf er {big['click_hits_after_resize']}×"
                + (f", Karte gezeichnet p50 {after['p50_ms']:.0f} ms (max {after['max_ms']:.0f})" if after["n"] else "")
            )
        print(
            f"    Vergleich: {v['small']['path']} ({small['nodes']} Knoten) "
            f"bereit p50 {small['ready']['p50_ms']:.0f} ms, "
            f"Startseite / geladen p50 {plain['load']['p50_ms']:.0f} ms → 2.000er-Ansicht = "
            f"{role['ratio_plain']}× Startseite, {role['ratio_small']}× kleine Ansicht"
        )
    load = results.get("load_average", {})
    print(f"  Load average (1/5/15 min): Beginn {load.get('start')}, Ende {load.get('end')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.network_browser", description=__doc__.splitlines()[0])
    parser.add_argument("--map-reps", type=int, default=5, help="Wiederholungen je Rolle")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn-Worker")
    parser.add_argument("--port", type=int, default=0, help="Port für gunicorn (0: ein freier)")
    args = parser.parse_args(argv)
    from bench.run import DEFAULT_DATABASE_URL, configure_environment

    env = configure_environment(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    import django

    django.setup()
    results = run(args, env)
    print_table(results)
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

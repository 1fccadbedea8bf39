"""Print how the apps of knotenpunkt import each other: the graph, the upward imports, the cycles.

    .venv/bin/python scripts/import_graph.py            # app graph, upward imports, cycles
    .venv/bin/python scripts/import_graph.py --modules  # also every import behind each edge

The order of the layers and the reader (imports inside functions count too, marked "inside a
function") are those of tests/test_layers.py, which asserts the rules; this prints the whole picture
to plan the fixes. Strings naming another app's code (`apps.get_model("app", …)`,
`import_string("knotenpunkt.…")`) are listed apart: no import check sees those dependencies.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_layers import LAYERS, PACKAGE, all_imports, app_of, module_name  # noqa: E402


def rank(app: str) -> int:
    """The app's layer; apps missing from LAYERS rank above everything."""
    return LAYERS.index(app) if app in LAYERS else len(LAYERS)


def app_edges(imports) -> dict[tuple[str, str], list]:
    edges = defaultdict(list)
    for imp in imports:
        if imp.target_app and imp.source_app and imp.target_app != imp.source_app:
            edges[imp.source_app, imp.target_app].append(imp)
    return dict(sorted(edges.items(), key=lambda item: (rank(item[0][0]), rank(item[0][1]))))


def cycles(edges) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan), each sorted by layer."""
    graph = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                on_stack.discard(member)
                component.append(member)
            on_stack.discard(node)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component, key=rank))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def string_references() -> list[tuple[str, int, str]]:
    """(module, line, app) for each string that names another app's model or code."""
    apps = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            target = None
            if name == "get_model" and first.value.split(".")[0] in apps:
                target = first.value.split(".")[0]
            elif name in ("import_string", "import_module") and first.value.startswith("knotenpunkt."):
                target = app_of(first.value)
            if target and target != app_of(module):
                found.append((module, node.lineno, target))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules", action="store_true", help="list every import behind each edge")
    args = parser.parse_args()
    imports = all_imports()
    edges = app_edges(imports)

    print("App graph (importer -> imported: imports; ↑ = a higher layer):")
    for (source, target), behind in edges.items():
        print(f"  {source:>12} -> {target:<12} {len(behind):3}{' ↑' if rank(target) > rank(source) else ''}")
        if args.modules:
            for imp in behind:
                print(f"      {imp}")

    print("\nUpward imports (every cycle runs through at least one):")
    upward = {edge: behind for edge, behind in edges.items() if rank(edge[1]) > rank(edge[0])}
    for (source, target), behind in upward.items():
        print(f"  {source} -> {target}")
        for imp in behind:
            print(f"      {imp}")
    if not upward:
        print("  none")

    at_import_time = app_edges([imp for imp in imports if not imp.in_function])
    for title, graph in (("all imports", edges), ("module-level imports only (at import time)", at_import_time)):
        print(f"\nCycles between apps, {title}:")
        found = cycles(graph)
        for component in found:
            print(f"  {{{', '.join(component)}}}, of which pairs importing each other:")
            for i, low in enumerate(component):
                for high in component[i + 1 :]:
                    if (low, high) in graph and (high, low) in graph:
                        print(f"      {low} <-> {high}: {len(graph[high, low])} down, {len(graph[low, high])} up")
        if not found:
            print("  none")

    print("\nStrings naming another app (no import check sees them):")
    references = string_references()
    for module, line, app in references:
        print(f"  {module}:{line} -> {app}{' ↑' if rank(app) > rank(app_of(module)) else ''}")
    if not references:
        print("  none")

    unplaced = sorted({app for edge in edges for app in edge} - set(LAYERS))
    if unplaced:
        print(f"\nApps missing from LAYERS: {', '.join(unplaced)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

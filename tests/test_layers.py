"""The import layering of the knotenpunkt package, read from the source with `ast`.

Read statically rather than from `sys.modules`, so an import inside a function counts like one at the
top of the module: deferring an import hides a dependency from the import system, not from the design.
`scripts/import_graph.py` prints the whole app graph and its cycles from the same reader.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "knotenpunkt"

# Low -> high: an app may import the apps to its left, never those to its right.
LAYERS = [
    "lib",
    "changes",
    "core",
    "accounts",
    "actors",
    "activities",
    "interactions",
    # Declared ties, and the relationships derived from shared activities and the contact log.
    "network",
    "synergies",
    # Initiatives (Vorhaben): plans with their stakeholders, proposed from the network and the suggestions.
    "initiatives",
    # Reports for the council and funders: figures read from every domain below.
    "reports",
    # Pages composed from several domains: the start page, an actor's profile, the personal calendar feed.
    "pages",
    "history",
    # Data protection: erasure and access export reach into every domain that can hold a person.
    "privacy",
    "demo",
    # Backup and restore: reads every table by name; a restore will replay the erasure log kept below it.
    "backups",
    # The wiring at the top of the project package: it names every domain.
    "reactions",
    "urls",
    "settings",
    "wsgi",
]


@dataclass(frozen=True)
class Import:
    module: str  # dotted name of the importing module
    line: int
    target: str  # dotted name of the imported module
    in_function: bool

    @property
    def source_app(self) -> str | None:
        return app_of(self.module)

    @property
    def target_app(self) -> str | None:
        return app_of(self.target)

    def __str__(self) -> str:
        where = " (inside a function)" if self.in_function else ""
        return f"{self.module}:{self.line} imports {self.target}{where}"


def app_of(dotted: str) -> str | None:
    """The app, or the top-level wiring module, a dotted name belongs to; None for the bare package."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "knotenpunkt" and len(parts) > 1 else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rank(app: str) -> int:
    return LAYERS.index(app)


def read_imports(source: str, module: str, *, is_package: bool = False, modules: frozenset = frozenset()):
    """Every import of a knotenpunkt module in `source`, at any depth, relative imports resolved.

    `from knotenpunkt.actors import search` imports the module `knotenpunkt.actors.search` when it is
    one of `modules`, otherwise (a name defined in the package) `knotenpunkt.actors`."""
    found: dict[tuple[int, str], Import] = {}

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            targets = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - child.level + 1]
                    base = ".".join([*package, *([child.module] if child.module else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in child.names]
            for target in targets:
                if target.startswith("knotenpunkt."):
                    found.setdefault((child.lineno, target), Import(module, child.lineno, target, nested))
            visit(child, nested)

    visit(ast.parse(source), False)
    return list(found.values())


@functools.cache
def all_imports() -> tuple[Import, ...]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = frozenset(module_name(path) for path in paths)
    return tuple(
        imp
        for path in paths
        for imp in read_imports(
            path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py", modules=modules
        )
    )


def _between_apps():
    return [imp for imp in all_imports() if imp.target_app and imp.target_app != imp.source_app]


def test_the_reader_finds_imports_at_the_top_inside_functions_and_relative():
    source = (
        "import knotenpunkt.lib.env\n"
        "from knotenpunkt.actors import search, models\n"
        "from . import selectors\n"
        "import json\n"
        "def f():\n"
        "    from knotenpunkt.synergies.models import Listing\n"
    )
    modules = frozenset({"knotenpunkt.actors.search", "knotenpunkt.network.selectors"})
    found = {
        (imp.line, imp.target, imp.in_function)
        for imp in read_imports(source, "knotenpunkt.network.views", modules=modules)
    }
    assert found == {
        (1, "knotenpunkt.lib.env", False),
        (2, "knotenpunkt.actors.search", False),
        (2, "knotenpunkt.actors", False),
        (3, "knotenpunkt.network.selectors", False),
        (6, "knotenpunkt.synergies.models", True),
    }


def test_it_reads_the_whole_package():
    demo = {imp.target for imp in all_imports() if imp.module == "knotenpunkt.demo.management.commands.load_demo"}
    assert "knotenpunkt.actors.services" in demo


def test_every_app_has_a_place_in_the_layers():
    apps = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    wiring = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert sorted((apps | wiring) - set(LAYERS)) == []


def test_no_module_outside_demo_imports_demo():
    violations = [str(imp) for imp in _between_apps() if imp.target_app == "demo"]
    assert violations == [], "\n".join(violations)


def test_changes_imports_no_app_but_lib():
    violations = [str(imp) for imp in _between_apps() if imp.source_app == "changes" and imp.target_app != "lib"]
    assert violations == [], "\n".join(violations)


def test_actors_and_network_do_not_import_synergies():
    violations = [
        str(imp) for imp in _between_apps() if imp.source_app in ("actors", "network") and imp.target_app == "synergies"
    ]
    assert violations == [], "\n".join(violations)


def test_no_app_imports_a_higher_layer():
    """Inside functions too: with every import pointing down the layers, no two apps import each other."""
    violations = [str(imp) for imp in _between_apps() if rank(imp.target_app) > rank(imp.source_app)]
    assert violations == [], "\n".join(violations)


def test_imports_between_apps_sit_at_the_top_of_modules():
    violations = [str(imp) for imp in _between_apps() if imp.in_function]
    assert violations == [], "\n".join(violations)

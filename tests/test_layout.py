"""The layout holds: domain packages import no web framework, no package cycles, channels stay thin.

Reads the import statements of data/ and ingest/ (no imports executed), so a new arrow that breaks
the layering fails here with the modules that drew it.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# data/'s own top-level modules: what every package may use.
FOUNDATION = {"config", "db", "errors", "events", "hooks", "i18n", "limits", "permissions", "models", "migrate",
              "migrations"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _sources(top: str):
    for path in sorted((ROOT / top).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _unit(module: str) -> str | None:
    """The package a module belongs to: data.tickets.query -> data.tickets; data.config -> data.config."""
    parts = module.split(".")
    if parts[0] not in ("data", "ingest") or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def _exists(unit: str) -> bool:
    base = ROOT / unit.replace(".", "/")
    return base.is_dir() or base.with_suffix(".py").exists()


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for top in ("data", "ingest"):
        for path in _sources(top):
            here = _unit(_module_name(path))
            for target in _imports(path):
                there = _unit(target)
                if here and there and here != there and _exists(there):
                    graph[here].add(there)
    return graph


def test_data_imports_no_web_framework_and_no_channel():
    offenders = []
    for path in _sources("data"):
        for target in _imports(path):
            if target.split(".")[0] in ("dash", "flask", "flask_login", "pages", "components", "web", "ingest", "app"):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offenders == []


def test_channels_import_no_web_ui():
    offenders = [f"{path.relative_to(ROOT)} imports {target}" for path in _sources("ingest")
                 for target in _imports(path) if target.split(".")[0] in ("dash", "pages", "components", "app")]
    assert offenders == []


def test_no_cycles_between_packages():
    graph = _package_graph()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str], seen: set[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, path + [nxt], seen)

    for start in sorted(graph):
        visit(start, [start], {start})
    assert cycles == [], "package import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_foundation_imports_no_domain_package():
    """db, config, events, hooks, ... sit at the bottom: they import no domain package."""
    graph = _package_graph()
    upward = {f"data.{low} -> {high}" for low in FOUNDATION for high in graph.get(f"data.{low}", ())
              if high.split(".")[1] not in FOUNDATION and high.startswith("data.")}
    assert upward == set()


def test_each_package_says_what_it_owns():
    silent = [str(p.relative_to(ROOT)) for top in ("data", "ingest") for p in (ROOT / top).glob("*/__init__.py")
              if "migrations" not in p.parts and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert silent == []


def test_data_top_level_holds_only_the_foundation():
    """A new module at the top of data/ belongs in a domain package (or data/ops/ for running Okno)."""
    top = {p.stem for p in (ROOT / "data").glob("*.py")}
    assert top == {"__init__", "__main__", "batch", "config", "db", "errors", "events", "hooks", "i18n", "jobs",
                   "limits", "migrate", "permissions"}

"""The package's import graph, read with `ast` from feeds/**.py: module-level imports and
those made inside functions (kept there on purpose, for a rebuild's start-up) alike.

No cycle; nothing imports a higher stage than its own; a format gets plain data only.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "feeds"

# Low to high: a module may import its own rank or lower. Keyed by the first name under
# feeds ("" for the package itself, which holds only the version).
RANKS = {
    "": 0,
    "errors": 0,
    "model": 0,
    "text": 0,
    "urls": 0,
    "files": 0,
    "workers": 0,
    "children": 0,
    "versions": 0,
    "permalinks": 0,
    "config": 1,
    "source": 2,
    "content": 3,
    "plan": 4,
    "formats": 5,
    "incremental": 6,
    "publish": 7,
    "pipeline": 8,
    "cli": 9,
    "watch": 9,
    "__main__": 9,
}
# What a format may import: plain data and the helpers that write it, never the cache,
# the config, the source stage or the plan's internals.
FORMAT_MAY_IMPORT = {"feeds", "feeds.errors", "feeds.model", "feeds.text", "feeds.urls"}


def module_names(package: Path) -> dict[str, Path]:
    """feeds.x.y -> its file, for every module of the package."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """The package's modules that `module` imports, anywhere in its file, with the line."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + is_package]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    yield sub, node.lineno
                elif base in known:
                    yield base, node.lineno


def import_graph(package: Path) -> dict[str, dict[str, int]]:
    """module -> {module it imports: the first line that does}."""
    names = module_names(package)
    graph: dict[str, dict[str, int]] = {}
    for module, path in names.items():
        edges = graph.setdefault(module, {})
        for target, line in imported(module, path, set(names)):
            if target != module:
                edges.setdefault(target, line)
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str]:
    """One cycle of the graph, as the modules along it (the first repeated last); [] if none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, {})):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def rank(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top not in RANKS:
        raise KeyError(f"{module}: no rank; add its stage to RANKS in tests/test_architecture.py")
    return RANKS[top]


def upward_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    return [
        f"{module}:{line} imports {target} (rank {rank(target)} > {rank(module)})"
        for module, edges in sorted(graph.items())
        for target, line in sorted(edges.items())
        if rank(target) > rank(module)
    ]


def format_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    return [
        f"{module}:{line} imports {target}: a format gets plain data"
        for module, edges in sorted(graph.items())
        if module.startswith("feeds.formats")
        for target, line in sorted(edges.items())
        if target not in FORMAT_MAY_IMPORT and not target.startswith("feeds.formats")
    ]


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    return import_graph(PACKAGE)


def test_the_graph_is_read_whole(graph: dict[str, dict[str, int]]) -> None:
    """The check sees lazy imports inside functions, not only those at the top."""
    assert "feeds.formats.atom_rss" in graph["feeds.pipeline"]
    assert "feeds.plan.slugs" in graph["feeds.pipeline"]
    assert "feeds.content.entries" in graph["feeds.incremental.entries"]
    assert len(graph) > 30


def test_no_import_cycle(graph: dict[str, dict[str, int]]) -> None:
    cycle = find_cycle(graph)
    assert not cycle, " -> ".join(cycle)


def test_every_module_has_a_rank(graph: dict[str, dict[str, int]]) -> None:
    for module in graph:
        rank(module)


def test_nothing_imports_a_higher_stage(graph: dict[str, dict[str, int]]) -> None:
    assert upward_imports(graph) == []


def test_formats_get_plain_data(graph: dict[str, dict[str, int]]) -> None:
    assert format_imports(graph) == []


def test_the_check_finds_what_it_is_for() -> None:
    """A cycle, an upward import and a format reaching into the cache are each caught."""
    looped = {
        "feeds.config": {"feeds.publish.state": 1},
        "feeds.publish.state": {"feeds.config": 2},
    }
    assert find_cycle(looped) == ["feeds.config", "feeds.publish.state", "feeds.config"]
    assert upward_imports(looped) == ["feeds.config:1 imports feeds.publish.state (rank 7 > 1)"]
    reaching = {"feeds.formats.atom_rss": {"feeds.incremental.cache": 3, "feeds.config": 4}}
    assert format_imports(reaching) == [
        "feeds.formats.atom_rss:4 imports feeds.config: a format gets plain data",
        "feeds.formats.atom_rss:3 imports feeds.incremental.cache: a format gets plain data",
    ]

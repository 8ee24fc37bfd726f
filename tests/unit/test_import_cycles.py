"""No import circle between modules anywhere in the project.

A circle (a imports b, b imports a, directly or through others) means two
modules that cannot be read, tested or moved one without the other: often one
class spread over files that call back into each other. Every import counts:
at module level, inside a function (the CLI's lazy imports), and under
``TYPE_CHECKING``. The graph is grimp's, the one import-linter builds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

from tests.unit.import_graph import shortest_cycle, strongly_connected

REPO = Path(__file__).resolve().parents[2]
PACKAGES: list[str] = [
    *tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"],
    "tests",
]


def import_edges(packages: list[str]) -> dict[str, set[str]]:
    graph = grimp.build_graph(*packages, cache_dir=None)
    modules = graph.modules
    return {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    groups = [group for group in strongly_connected(edges) if len(group) > 1]
    return sorted(shortest_cycle(edges, group) for group in groups)


def test_no_module_imports_itself_through_others() -> None:
    edges = import_edges(PACKAGES)
    assert {"issuance.transactions.sender", "cli.main", "tests.unit.test_layers"} <= set(edges)

    found = cycles(edges)

    assert found == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_a_circle_is_found_and_printed() -> None:
    """The check can fail: a -> b -> c -> a is reported as that path, d left out."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}

    assert cycles(edges) == [["a", "b", "c", "a"]]

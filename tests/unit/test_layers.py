"""The import layers of pyproject.toml's [tool.importlinter] contract hold.

Top to bottom: cli, web, workers, events, issuance, then chain | render | db (siblings
that may not import one another), then the core certflow. Each layer imports
only layers below it; lint-imports checks that, and these tests check that
lint-imports does, that it can fail, and that no two top-level packages import
each other, even indirectly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ROOT_PACKAGES: list[str] = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"][
    "importlinter"
]["root_packages"]


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # --no-cache: no .import_linter_cache/ left behind in the working tree.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_root_packages_are_the_nine_first_party_packages() -> None:
    assert sorted(ROOT_PACKAGES) == sorted(
        ["certflow", "db", "chain", "render", "issuance", "events", "workers", "web", "cli"]
    )


def test_the_layers_contract_is_kept() -> None:
    result = lint_imports(REPO)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 broken" in output, output
    assert "KEPT" in output, output


def test_a_violating_import_breaks_the_contract(tmp_path: Path) -> None:
    """A copy of the packages with one import the layers forbid fails lint-imports."""
    for package in ROOT_PACKAGES:
        source = REPO / package
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            # A package not created yet is test_the_layers_contract_is_kept's
            # failure; here an empty one lets the contract be checked at all.
            (tmp_path / package).mkdir()
            (tmp_path / package / "__init__.py").write_text("")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    # db and chain are siblings: neither may import the other.
    (tmp_path / "db" / "_layering_probe.py").write_text(
        '"""Forbidden on purpose."""\n\nimport chain\n'
    )

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = lint_imports(tmp_path, env)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "BROKEN" in output, output
    assert "db._layering_probe -> chain" in output, output


def test_no_import_cycles_between_top_level_packages() -> None:
    present = [p for p in ROOT_PACKAGES if (REPO / p / "__init__.py").is_file()]
    graph = grimp.build_graph(*present, cache_dir=None)
    imports = {
        importer: {
            imported
            for imported in present
            if imported != importer
            and graph.direct_import_exists(importer=importer, imported=imported, as_packages=True)
        }
        for importer in present
    }

    cycles = [component for component in _strongly_connected(imports) if len(component) > 1]

    report = []
    for component in cycles:
        report.append(" <-> ".join(sorted(component)))
        for importer in sorted(component):
            for imported in sorted(imports[importer] & component):
                example = _one_direct_import(graph, importer, imported)
                report.append(f"    {importer} imports {imported}, e.g. {example}")
    assert not cycles, "import cycles between top-level packages:\n" + "\n".join(report)


def _one_direct_import(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    for module in sorted(graph.find_descendants(importer) | {importer}):
        targets = graph.find_modules_directly_imported_by(module)
        for target in sorted(targets):
            if target == imported or target.startswith(imported + "."):
                return f"{module} -> {target}"
    return f"{importer} -> {imported}"


def _strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of packages that reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components

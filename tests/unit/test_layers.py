"""The import contracts of pyproject.toml's [tool.importlinter] hold.

Top to bottom: cli, web, workers, events, issuance, then chain | render | db (siblings
that may not import one another), then the core certflow. Each layer imports
only layers below it. Inside issuance: operations > verification > certificates >
transactions, verification never reaching the transaction engine, achievements
on its own; and the production path never imports the dev node. lint-imports
checks that; these tests check that lint-imports does, that each kind of
contract can fail, and that no two top-level packages import each other, even
indirectly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.unit.import_graph import strongly_connected

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


#: (module to add, what it imports, the line lint-imports reports): one probe per contract.
PROBES = [
    # db and chain are siblings: neither may import the other.
    ("db/_layering_probe.py", "import chain", "db._layering_probe -> chain"),
    # The transaction engine is the lowest sub-package of issuance.
    (
        "issuance/transactions/_probe.py",
        "import issuance.certificates.grants",
        "issuance.transactions._probe -> issuance.certificates.grants",
    ),
    # Verification reads: never the transaction engine, not even through certificates.
    (
        "issuance/verification/_probe.py",
        "import issuance.certificates.issuer",
        "issuance.certificates.issuer -> issuance.transactions.sender",
    ),
    ("issuance/achievements/_probe.py", "import issuance.certificates", "achievements._probe"),
    ("workers/_probe.py", "import chain.devnode", "workers._probe -> chain.devnode"),
]


@pytest.mark.parametrize(("path", "statement", "reported"), PROBES)
def test_a_violating_import_breaks_a_contract(
    tmp_path: Path, path: str, statement: str, reported: str
) -> None:
    """A copy of the packages with one import a contract forbids fails lint-imports."""
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
    (tmp_path / path).write_text(f'"""Forbidden on purpose."""\n\n{statement}\n')

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = lint_imports(tmp_path, env)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "BROKEN" in output, output
    assert reported in output, output


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

    cycles = [component for component in strongly_connected(imports) if len(component) > 1]

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

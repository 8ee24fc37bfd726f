"""Modules and functions stay small enough to read in one go.

Every .py file outside tests/, sql/, .venv/ and node_modules/ has at most
MAX_MODULE_LINES lines, and no function or method is longer than
MAX_FUNCTION_LINES, counted from its `def` line (decorators excluded) to its
last line.

The numbers are a guide that serves readability, not the other way round: a
class or an algorithm is never spread over several files to stay under them
(functions that take an object and call back into it). What needs more room
becomes a package with a clear inside, as ``issuance/transactions/`` is: small
collaborators, imports one way (tests/unit/test_import_cycles.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXCLUDED = {"tests", "sql", ".venv", "node_modules"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def python_files() -> Iterator[Path]:
    for path in sorted(REPO.rglob("*.py")):
        parts = path.relative_to(REPO).parts
        if EXCLUDED.isdisjoint(parts) and not any(p.startswith(".") for p in parts):
            yield path


def test_the_scan_finds_the_packages() -> None:
    found = {path.relative_to(REPO).parts[0] for path in python_files()}
    assert {"certflow", "db", "chain", "render", "events", "workers"} <= found


def test_modules_and_functions_are_small() -> None:
    offenders: list[str] = []
    for path in python_files():
        name = path.relative_to(REPO).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{name}:1 module has {lines} lines (max {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source, filename=name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    offenders.append(
                        f"{name}:{node.lineno} {node.name}() has {length} lines"
                        f" (max {MAX_FUNCTION_LINES})"
                    )
    assert not offenders, f"{len(offenders)} too long:\n" + "\n".join(offenders)

"""The Procfile says how many of each process type may run, runs the scheduler (not a
reconcile loop), and gives each worker type a metrics port of its own."""

from __future__ import annotations

import re
from pathlib import Path

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"
_LINE = re.compile(r"^(?P<name>[a-z_]+):\s*(?P<command>.+)$")


def _types() -> dict[str, str]:
    lines = PROCFILE.read_text().splitlines()
    return {m["name"]: m["command"] for line in lines if (m := _LINE.match(line))}


def test_every_process_type_is_preceded_by_a_comment_on_how_many_may_run() -> None:
    lines = PROCFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if _LINE.match(line):
            comments = [c for c in lines[:i] if c.startswith("#")]
            assert comments, line
            assert lines[i - 1].startswith(("#", "completion:", "chain:", "render:")), line


def test_the_scheduler_replaces_the_reconcile_loop() -> None:
    types = _types()
    assert types["scheduler"] == "certflow scheduler"
    assert not any("reconcile" in command for command in types.values())


def test_worker_types_never_share_a_metrics_port() -> None:
    ports = [
        re.search(r"--metrics-port (\d+)", command)
        for command in _types().values()
        if command.startswith("certflow worker")
    ]
    assert all(ports)
    numbers = [int(port[1]) for port in ports if port]
    assert len(numbers) == len(set(numbers)) == 5
    assert 9191 in numbers  # dramatiq's own default stays with the first worker type

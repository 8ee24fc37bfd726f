"""``certflow migrate`` and ``certflow relay --help`` load neither web3 nor reportlab.

Each command imports what it runs when it runs: a migration job or a relay
container must not pay for (or depend on) the chain and PDF stacks. The CLI
runs in a subprocess whose exit hook reports which of those modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import sqlalchemy as sa

from db import claims
from db.engine import transaction
from tests.acceptance.processes import ROOT, env_for

HEAVY = {"web3", "reportlab"}
MARKER = "HEAVY_MODULES="

#: Runs ``certflow ARGS...`` in-process, then prints the heavy modules it loaded.
WRAPPER = f"""
import atexit, json, sys

def _report():
    loaded = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r})
    print({MARKER!r} + json.dumps(loaded), flush=True)

atexit.register(_report)
sys.argv = ["certflow", *sys.argv[1:]]
from cli.main import main
main()
"""


def run_cli(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    assert len(lines) == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done, json.loads(lines[0].removeprefix(MARKER))


def test_migrate_loads_neither_web3_nor_reportlab(
    database_urls: dict[str, str], redis_url: str, engine: sa.Engine
) -> None:
    """Migrations run as the owner; they never write the feature flags (only `certflow
    flags` does), whatever the environment of the process says."""
    env = env_for(
        database_urls["owner"], redis_url, BOOTCAMP_CERTIFICATES_ENABLED="true", AUTO_CLAIM="true"
    )

    done, heavy = run_cli(["migrate"], env)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "schema up to date" in done.stdout  # the test database is already migrated
    assert heavy == []
    with transaction(engine) as conn:
        flags = claims.read_flags(conn)
    assert (flags["certificates_enabled"], flags["auto_claim"]) == (False, False)


def test_relay_help_loads_neither_web3_nor_reportlab() -> None:
    done, heavy = run_cli(["relay", "--help"], dict(os.environ))

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Usage: certflow relay" in done.stdout
    assert heavy == []

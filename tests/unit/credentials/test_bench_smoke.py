"""``bench/credentials.py --smoke`` still runs and prints its figures (credentials, PDFs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_the_credentials_bench_runs_at_smoke_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.credentials", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "credentials: 5 per run, 1 run(s), median rates"
    assert any(line.startswith("signing / canonicalisation alone: ") for line in lines)
    assert lines[-1].startswith("signing adds to a render: ")

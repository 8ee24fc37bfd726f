"""Every bench runs at its smoke size, so none rots between two measurements.

Each ``bench/*.py`` (helpers start with ``_``; a new bench is picked up by the
glob) runs as its own process from the repository root with ``--smoke``
(bench/_smoke.py): it must exit 0 and print its figures and the baseline they
are compared with, a line that says ``baseline`` and carries a number.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
NUMBER = re.compile(r"\d")


def test_every_bench_is_found() -> None:
    assert {"verify_page", "pipeline", "chaos"} <= {bench.stem for bench in BENCHES}


@pytest.mark.parametrize("bench", BENCHES, ids=[bench.stem for bench in BENCHES])
def test_bench_prints_its_figures_and_baseline_at_smoke_size(bench: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(bench.relative_to(ROOT)), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    print(f"{bench.stem} --smoke: {time.monotonic() - started:.1f} s")  # shown with -rP

    assert done.returncode == 0, (
        f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    figures = [line for line in done.stdout.splitlines() if NUMBER.search(line)]
    baselines = [line for line in figures if "baseline" in line.lower()]
    assert baselines, f"no baseline figure printed:\n{done.stdout}"
    assert len(figures) > len(baselines), f"only baselines printed:\n{done.stdout}"

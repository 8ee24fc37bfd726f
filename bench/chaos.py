"""The chaos scenarios at full size: 1,000 learners each (the suite runs a few dozen).

Runs tests/chaos with CHAOS_LEARNERS and collects each scenario's row, then
prints the README's table; the baseline is scenario "none", the same burst with no
fault. The scenarios, the processes and the invariants are
the suite's own; only the size and the settle timeout differ.

    .venv/bin/python bench/chaos.py [--learners 1000] [-k SCENARIO]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._smoke import parse_args

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression")
    parser.add_argument("--settle-timeout", type=float, default=1800)
    args = parse_args(parser, learners=8, select="none or redis")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "chaos.jsonl"
        env = {
            **os.environ,
            "CHAOS_LEARNERS": str(args.learners),
            "CHAOS_REPORT": str(report),
            "CHAOS_SETTLE_TIMEOUT": str(args.settle_timeout),
        }
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/chaos"]
        argv += ["-o", "timeout=3600"] + (["-k", args.select] if args.select else [])
        done = subprocess.run(argv, env=env, cwd=ROOT, check=False)
        rows = (
            [json.loads(line) for line in report.read_text().splitlines()]
            if report.exists()
            else []
        )
    print(
        "\n| scenario | learners | faults injected | settled | duplicates | lost |"
        " seconds to settle after the last fault |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        scenario = "none (baseline)" if r["scenario"] == "none" else r["scenario"]
        print(
            f"| {scenario} | {r['learners']:,} | {r['faults']} |"
            f" {'yes' if r['settled'] else 'NO'} | {r['duplicates']} | {r['lost']} |"
            f" {r['seconds']} |"
        )
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()

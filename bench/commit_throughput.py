"""Milestone-completion commit throughput and p95 commit latency at 100 sessions.

pgbench runs the same script against the same table in three configurations,
interleaved, median of several runs each:
  none      the completion triggers disabled (baseline)
  outbox    certflow's trigger as shipped, no relay waiting (the loaded case)
  notify    certflow's trigger with the relay mark forced on: NOTIFY on every
            completing commit (what DESIGN.md warns against)
Each transaction updates one random progress row; about half become completed.

    .venv/bin/python bench/commit_throughput.py [--clients 100] [--seconds 10] [--runs 3]
        [--rows 200000]
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import tempfile
from pathlib import Path

import psycopg

from bench._db import bench_database, median, percentile
from bench._smoke import parse_args

SCRIPT = """\\set n random(1, {rows})
\\set r random(0, 1)
UPDATE user_milestone_progress
   SET status = CASE WHEN :r = 1 THEN 'completed' ELSE 'in_progress' END,
       progress_percentage = CASE WHEN :r = 1 THEN 100 ELSE 50 END
 WHERE user_profile_id = '{user}' AND milestone_id = 'bm' || :n;
"""


def pgbench() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return found[-1] if found else "pgbench"


def setup(url: str, rows: int) -> str:
    with psycopg.connect(url) as conn:
        user = conn.execute(
            "INSERT INTO user_profiles (display_name) VALUES ('bench') RETURNING id"
        ).fetchone()
        assert user is not None
        conn.execute(
            "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
            " SELECT %s, 'bm' || g, 'in_progress' FROM generate_series(1, %s) g",
            (user[0], rows),
        )
    return str(user[0])


def configure(url: str, mode: str) -> None:
    """Reset the table to in-progress and switch the configuration."""
    action = "DISABLE" if mode == "none" else "ENABLE"
    with psycopg.connect(url, autocommit=True) as conn:
        for trigger in ("trg_milestone_completed_insert", "trg_milestone_completed_update"):
            conn.execute(f"ALTER TABLE user_milestone_progress {action} TRIGGER {trigger}")
        conn.execute("UPDATE outbox_relay_state SET waiting = %s", (mode == "notify",))
        conn.execute("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER")
        conn.execute("UPDATE user_milestone_progress SET status = 'in_progress'")
        conn.execute("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER")
        if mode == "none":
            for trigger in ("trg_milestone_completed_insert", "trg_milestone_completed_update"):
                conn.execute(f"ALTER TABLE user_milestone_progress DISABLE TRIGGER {trigger}")
        conn.execute("TRUNCATE event_outbox CASCADE")
        conn.execute("VACUUM ANALYZE user_milestone_progress")
        conn.execute("CHECKPOINT")


def run(url: str, script: Path, clients: int, seconds: int) -> tuple[float, float]:
    """Commits per second and p95 latency (ms) of one pgbench run."""
    with tempfile.TemporaryDirectory() as logs:
        done = subprocess.run(
            [
                pgbench(),
                "-n",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-f",
                str(script),
                "-l",
                "--log-prefix",
                f"{logs}/tx",
                url,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:  # e.g. too many connections: say so instead of a traceback
            raise SystemExit(f"pgbench failed: {done.stderr.strip()[-500:]}")
        out = done.stdout
        latencies = [
            int(line.split()[2]) / 1000
            for f in Path(logs).iterdir()
            for line in f.read_text().splitlines()
        ]
    tps = next(
        float(line.split("=")[1].split()[0])
        for line in out.splitlines()
        if line.startswith("tps =")
    )
    return tps, percentile(latencies, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000, help="progress rows to update")
    args = parse_args(parser, clients=4, seconds=1, runs=1, rows=5_000)

    with bench_database() as settings, tempfile.TemporaryDirectory() as tmp:
        url = settings.libpq_url
        script = Path(tmp) / "complete.sql"
        script.write_text(SCRIPT.format(rows=args.rows, user=setup(url, args.rows)))
        results: dict[str, list[tuple[float, float]]] = {"none": [], "outbox": [], "notify": []}
        for _ in range(args.runs):
            for mode, runs in results.items():
                configure(url, mode)
                runs.append(run(url, script, args.clients, args.seconds))

    base = median([tps for tps, _ in results["none"]])
    print(f"clients: {args.clients}, {args.seconds}s x {args.runs} runs per mode")
    print(f"cores: {os.cpu_count()}")
    for mode, runs in results.items():
        tps = median([t for t, _ in runs])
        p95 = median([p for _, p in runs])
        label = " (baseline)" if mode == "none" else ""
        print(f"{mode}_commits_per_s{label}: {tps:.0f}")
        print(f"{mode}_p95_commit_ms: {p95:.1f}")
        print(f"{mode}_vs_none: {tps / base:.0%}")


if __name__ == "__main__":
    main()

"""Time to fix 500 eligible enrollments: one set-based statement vs one call each.

The source design called fix_completion_status once per enrollment (it budgets
50-75 s for 500 over HTTP); fix_completion_statuses does the same work in one
statement. Both run here on identical fresh cohorts, median of several runs,
and so does the admin command ``certflow fix-statuses COHORT`` (in process:
its engine, transaction and audit row, without Python's start-up).

    .venv/bin/python bench/fix_statuses.py [--enrollments 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import sqlalchemy as sa
from click.testing import CliRunner

from bench._db import bench_database, median
from bench._smoke import parse_args
from cli.main import main as certflow
from db import seed
from db.engine import make_engine


def stuck_cohort(engine: sa.Engine, cohort_id: str, enrollments: int) -> list[object]:
    """A cohort whose learners finished every milestone while the trigger was off."""
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id=cohort_id, milestones=8)
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(enrollments)])
        conn.execute(sa.text("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER"))
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " SELECT e.user_profile_id, m.id, 'completed' FROM bootcamp_enrollments e"
                " JOIN cohort_milestones m ON m.cohort_id = e.cohort_id WHERE e.cohort_id = :c"
            ),
            {"c": cohort_id},
        )
        conn.execute(sa.text("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER"))
        conn.execute(sa.text("ANALYZE"))
    return list(cohort.learners.values())


def time_command(engine: sa.Engine, cohort_id: str, enrollments: int) -> float:
    """Seconds of ``certflow fix-statuses COHORT --limit N --json``, audit row included."""
    stuck_cohort(engine, cohort_id, enrollments)
    started = time.perf_counter()
    out = CliRunner().invoke(
        certflow, ["fix-statuses", cohort_id, "--limit", str(enrollments), "--json"]
    )
    seconds = time.perf_counter() - started
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["fixed"]) == enrollments
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrollments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parse_args(parser, enrollments=20, runs=1)
    set_based: list[float] = []
    per_call: list[float] = []
    command: list[float] = []
    with bench_database() as settings:
        engine = make_engine(settings)
        os.environ["DATABASE_URL"] = settings.database_url  # what the command reads
        for run in range(args.runs):
            command.append(time_command(engine, f"cmd{run}", args.enrollments))
            stuck_cohort(engine, f"set{run}", args.enrollments)
            started = time.perf_counter()
            with engine.begin() as conn:
                result = conn.execute(
                    sa.text("SELECT fix_completion_statuses(:c)"), {"c": f"set{run}"}
                ).scalar_one()
            set_based.append(time.perf_counter() - started)
            assert len(result["fixed"]) == args.enrollments

            ids = stuck_cohort(engine, f"each{run}", args.enrollments)
            started = time.perf_counter()
            for enrollment in ids:  # the source: one call (one round trip, one commit) each
                with engine.begin() as conn:
                    conn.execute(sa.text("SELECT fix_completion_status(:e)"), {"e": enrollment})
            per_call.append(time.perf_counter() - started)
        engine.dispose()

    print(f"enrollments: {args.enrollments}, runs: {args.runs}")
    print(f"fix_completion_statuses_seconds: {median(set_based):.3f}")
    print(f"certflow_fix_statuses_command_seconds: {median(command):.3f}")
    print(f"per_enrollment_calls_seconds (baseline): {median(per_call):.3f}")
    print(f"speedup: {median(per_call) / median(set_based):.1f}x")


if __name__ == "__main__":
    main()

"""What identity-bound tenancy costs an app login's reads: this tree's rules against main's.

Two communities of 2,000 learners each, 10 milestones per learner (40,000
progress rows). A LOGIN member of certflow_app, bound to community A, counts
the progress rows it sees (row-level security calls the tenant lookups for
every row) and calls certificate_status for 500 of its enrollments, once with
this tree's sql/rules and once with another revision's tenancy.sql and
claims.sql (default 52393cc, main just before identity-bound tenancy, where the
session's setting named the community).

    .venv/bin/python bench/tenancy_rls.py [--baseline 52393cc] [--runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import time
import uuid

import psycopg
from psycopg import sql

from bench._db import ADMIN_URL, bench_database, median
from bench._smoke import parse_args

SEED = [
    "INSERT INTO communities VALUES ('A', 'A'), ('B', 'B')",
    "INSERT INTO bootcamp_programs (id, name, community_id, lock_address)"
    " SELECT 'b' || c, 'b', c, '0x' || repeat('a', 40) FROM unnest('{A,B}'::text[]) c",
    "INSERT INTO cohorts (id, bootcamp_program_id, name)"
    " SELECT 'c' || c, 'b' || c, 'c' FROM unnest('{A,B}'::text[]) c",
    "INSERT INTO cohort_milestones (id, cohort_id, name) SELECT 'c' || c || '-m' || i, 'c' || c,"
    " 'm' FROM unnest('{A,B}'::text[]) c, generate_series(1, 10) i",
    "INSERT INTO user_profiles (community_id, display_name)"
    " SELECT c, 'u' || i FROM unnest('{A,B}'::text[]) c, generate_series(1, 2000) i",
    "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id)"
    " SELECT id, 'c' || community_id FROM user_profiles",
    "ALTER TABLE user_milestone_progress DISABLE TRIGGER USER",
    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
    " SELECT u.id, 'c' || u.community_id || '-m' || i, 'in_progress'"
    " FROM user_profiles u, generate_series(1, 10) i",
    "ALTER TABLE user_milestone_progress ENABLE TRIGGER USER",
    "ANALYZE",
]


def measure(url: str, login: str, runs: int) -> tuple[float, float]:
    """(ms to count the progress rows, ms per certificate_status call) as the app login."""
    with psycopg.connect(url, user=login, autocommit=True) as app:
        app.execute("SET certflow.community_id = 'A'")  # main reads it; this tree ignores it
        counts = []
        for _ in range(runs):
            start = time.perf_counter()
            app.execute("SELECT count(*) FROM user_milestone_progress").fetchone()
            counts.append((time.perf_counter() - start) * 1000)
        ids = [r[0] for r in app.execute("SELECT id FROM bootcamp_enrollments LIMIT 500")]
        start = time.perf_counter()
        for enrollment in ids:
            app.execute("SELECT certificate_status(%s)", (enrollment,)).fetchone()
        per_call = (time.perf_counter() - start) * 1000 / len(ids)
    return median(counts), per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The default baseline is main just before identity-bound tenancy landed: its rules files
    # read the community from a setting any session could choose.
    parser.add_argument("--baseline", default="52393cc")
    parser.add_argument("--runs", type=int, default=3)
    args = parse_args(parser, runs=1)
    login = f"cf_bench_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE certflow_app").format(sql.Identifier(login))
        )
    try:
        with bench_database("certflow_bench_tenancy") as settings:
            url = settings.database_url
            with psycopg.connect(url, autocommit=True) as owner:
                for statement in SEED:
                    owner.execute(statement)
                owner.execute("INSERT INTO community_logins VALUES (%s, 'A')", (login,))
            here = measure(url, login, args.runs)
            with psycopg.connect(url, autocommit=True) as owner:
                for name in ("tenancy", "claims"):
                    text = subprocess.run(
                        ["git", "show", f"{args.baseline}:sql/rules/{name}.sql"],
                        capture_output=True, text=True, check=True,
                    ).stdout  # fmt: skip
                    owner.execute(text)
            base = measure(url, login, args.runs)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
    baseline = f"baseline {args.baseline}"
    for label, (count_ms, status_ms) in (("this tree", here), (baseline, base)):
        print(
            f"{label:>16}: count(*) of 40,000 progress rows (20,000 its own) {count_ms:,.0f} ms;"
            f" certificate_status {status_ms:.2f} ms a call (500 calls)"
        )


if __name__ == "__main__":
    main()

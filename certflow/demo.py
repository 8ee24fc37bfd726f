"""The main job end to end on one machine, for people trying certflow.

It migrates, starts a relay and a worker as real processes (as the Procfile
does), seeds a bootcamp with a cohort, milestones and learners, completes their
milestones the way an app would, and prints what happened.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql
from tqdm import tqdm

from certflow.settings import Settings
from db import outbox, seed
from db.engine import make_engine, transaction
from db.migrate import migrate
from db.queries import query

LOG_DIR = Path("var/demo")
NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Linus Torvalds",
    "Margaret Hamilton",
    "Tim Berners-Lee",
    "Barbara Liskov",
    "Ken Thompson",
    "Radia Perlman",
    "Donald Knuth",
    "Frances Allen",
    "Edsger Dijkstra",
    "Hedy Lamarr",
    "John von Neumann",
]


def ensure_database(settings: Settings) -> None:
    """Create the configured database when it does not exist yet."""
    info = psycopg.conninfo.conninfo_to_dict(settings.libpq_url)
    name = str(info.get("dbname") or "certflow")
    admin = psycopg.conninfo.make_conninfo(settings.libpq_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A certflow process that is stopped with SIGTERM, as an orchestrator would."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "certflow", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LOG_FORMAT": "json"},
        )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _seed(engine: sa.Engine, learners: int, milestones: int) -> seed.Cohort:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with transaction(engine) as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id="demo-bootcamp",
            cohort_id=f"demo-{stamp}",
            milestones=milestones,
            cohort_name=f"Demo cohort {stamp}",
        )
        names = [NAMES[i % len(NAMES)] for i in range(learners)]
        seed.enroll_learners(conn, cohort, names)
    return cohort


def _complete_progress(engine: sa.Engine, cohort: seed.Cohort) -> int:
    """Every learner but the last finishes everything; the last stops one short."""
    steps = [
        (user, m)
        for i, user in enumerate(cohort.learners)
        for m in (
            cohort.milestone_ids if i < len(cohort.learners) - 1 else cohort.milestone_ids[:-1]
        )
    ]
    random.shuffle(steps)  # learners finish milestones in no particular order
    for user, milestone in tqdm(steps, desc="completing milestones", unit="milestone"):
        with transaction(engine) as conn:  # one app request, one transaction
            seed.complete_milestone(conn, user, milestone)
    return len(cohort.learners) - 1


def _report(engine: sa.Engine, cohort: seed.Cohort) -> None:
    with transaction(engine) as conn:
        rows = conn.execute(query("enrollment_summary"), {"cohort_id": cohort.cohort_id}).all()
        counts = outbox.counts(conn)
    print(f"\ncohort {cohort.cohort_id}: {len(cohort.milestone_ids)} milestones")
    for r in rows:
        when = r.completion_date.strftime("%Y-%m-%d %H:%M:%S") if r.completion_date else "-"
        print(f"  {r.display_name:<20} {r.enrollment_status:<10} completed at {when}")
    print(
        f"outbox: {counts['dispatched']} dispatched, {counts['pending']} pending,"
        f" {counts['failed']} failed"
    )


def _completed(engine: sa.Engine, cohort_id: str) -> int:
    with transaction(engine) as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM bootcamp_enrollments WHERE cohort_id = :c"
                    " AND enrollment_status = 'completed'"
                ),
                {"c": cohort_id},
            ).scalar_one()
        )


def run_demo(settings: Settings, *, learners: int, milestones: int, timeout: float) -> int:
    ensure_database(settings)
    applied = migrate(settings)
    print(f"migrations applied: {len(applied)}")
    engine = make_engine(settings, pool_size=2)
    with ExitStack() as stack:
        stack.enter_context(process(["relay"], LOG_DIR / "relay.log"))
        stack.enter_context(
            process(["worker", "--processes", "1", "--threads", "8"], LOG_DIR / "worker.log")
        )
        cohort = _seed(engine, learners, milestones)
        expected = _complete_progress(engine, cohort)
        deadline = time.monotonic() + timeout
        while _completed(engine, cohort.cohort_id) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        _report(engine, cohort)
    done = _completed(engine, cohort.cohort_id)
    engine.dispose()
    print(
        f"\n{done} of {len(cohort.learners)} learners completed the bootcamp"
        f" (expected {expected}); process logs in {LOG_DIR}/"
    )
    return 0 if done == expected else 1

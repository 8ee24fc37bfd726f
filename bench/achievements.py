"""Achievements evaluated per second: a burst of milestone events on the achievements queue.

1,000 learners each complete the 10 milestones of a cohort (10,000
milestone.completed events). A relay alone moves them into Redis and stops;
then the achievements queue's own worker (as the Procfile's `achievements`
line runs it) starts on the full queue. Rate: events recorded in the ledger
per second of wall clock, from the first ledger rows seen to the last (the
relay sends the achievements worker one message per batch of up to
RELAY_BATCH_SIZE events). Baseline in the same run: the
completion worker (check_completion, one SQL call per event) on the same
10,000 messages of its own queue. Awards are counted to show the work was done.

    .venv/bin/python bench/achievements.py [--learners 1000] [--milestones 10]
        [--processes 1] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from typing import Any

import redis
import sqlalchemy as sa

from bench._db import bench_database
from bench._smoke import parse_args
from bench.pipeline import REDIS_URL, stop, wait_for
from bench.pipeline import start as start_process
from certflow.settings import Settings
from db import seed
from db.engine import make_engine

#: This run's own queues: other benches may share the Redis database, and must
#: neither take these messages nor lose theirs to a flush.
NAMESPACE = f"certflow-bench-achievements-{os.getpid()}"


def start(args: list[str], settings: Settings) -> subprocess.Popen[bytes]:
    return start_process(args, settings, BROKER_NAMESPACE=NAMESPACE)


def clear_queues() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{NAMESPACE}*", count=1000))
    if keys:
        client.delete(*keys)


def write_events(engine: sa.Engine, learners: int, milestones: int) -> int:
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id="c", milestones=milestones)
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(learners)])
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " SELECT e.user_profile_id, m.id, 'completed' FROM bootcamp_enrollments e"
                " JOIN cohort_milestones m ON m.cohort_id = e.cohort_id"
                " ORDER BY m.order_index, e.user_profile_id"
            )
        )
        return int(conn.execute(sa.text("SELECT count(*) FROM event_outbox")).scalar_one())


def timed_rate(engine: sa.Engine, actor: str, events: int, timeout: float = 600) -> float:
    """Events per second, timed by the wall clock from the first ledger rows seen to the last.

    Polled every 5 ms: the worker process's start-up is not counted, and the
    events already done when the first rows show are left out of the count.
    """
    statement = sa.text("SELECT count(*) FROM processed_messages WHERE actor = :a")
    deadline = time.monotonic() + timeout
    first: tuple[float, int] | None = None
    with engine.connect() as conn:
        while True:
            done = int(conn.execute(statement, {"a": actor}).scalar_one())
            conn.commit()
            now = time.perf_counter()
            if done and first is None:
                first = (now, done)
                if done >= events:
                    raise SystemExit(
                        f"{actor}: all {events} events were done at the first look, too few"
                        " to time (a message carries up to ACTOR_BATCH_SIZE): raise --learners"
                    )
            if done >= events and first is not None and now > first[0]:
                return (done - first[1]) / (now - first[0])
            if time.monotonic() > deadline:
                raise TimeoutError(f"{actor}: {done} of {events}")
            time.sleep(0.005)


def drain_queue(
    settings: Settings, engine: sa.Engine, queue: str, actor: str, events: int, args: Any
) -> float:
    worker = start(
        [
            "worker",
            "--queues",
            queue,
            "--processes",
            str(args.processes),
            "--threads",
            str(args.threads),
        ],
        settings,
    )
    try:
        return timed_rate(engine, actor, events)
    finally:
        stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--milestones", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parse_args(parser, learners=300, milestones=4)
    clear_queues()
    with bench_database("certflow_bench_ach") as settings:
        engine = make_engine(settings)
        events = write_events(engine, args.learners, args.milestones)
        relay = start(["relay"], settings)
        wait_for(
            engine, "SELECT count(*) FROM event_outbox WHERE dispatched_at IS NOT NULL", events, 600
        )
        stop(relay)
        achievements = drain_queue(
            settings, engine, "achievements", "evaluate_achievements", events, args
        )
        completion = drain_queue(settings, engine, "completion", "check_completion", events, args)
        with engine.connect() as conn:
            awards = conn.execute(
                sa.text("SELECT count(*) FROM user_achievements WHERE unlocked_at IS NOT NULL")
            ).scalar_one()
            unlocked = conn.execute(
                sa.text("SELECT count(*) FROM event_outbox WHERE kind = 'achievement.unlocked'")
            ).scalar_one()
        engine.dispose()
    clear_queues()
    print(
        f"events: {events} milestone.completed, learners: {args.learners}, cores: {os.cpu_count()}"
    )
    print(f"worker: {args.processes} process(es) x {args.threads} threads, one queue at a time")
    print(f"check_completion_events_per_s (baseline): {completion:.0f}")
    print(f"evaluate_achievements_events_per_s: {achievements:.0f}")
    print(f"achievements_vs_completion: {achievements / completion:.0%}")
    print(f"awards: {awards} (achievement.unlocked events: {unlocked})")


if __name__ == "__main__":
    main()

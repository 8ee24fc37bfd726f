"""Outbox to check_completion: sustained events per second, and idle latency.

Real processes, as the Procfile runs them: one relay, completion worker processes.

  throughput  relay and worker are up and idle (a warm-up event went through);
              EVENTS milestone completions commit in one transaction; rate =
              EVENTS / (wall time from that commit until every event's ledger
              key exists). Baseline in the same run: ACTOR_BATCH_SIZE=1,
              one message per event (the per-message path).
  latency     an idle pipeline, one completion every INTERVAL seconds; commit
              (completed_at = clock_timestamp() just before COMMIT) to
              check_completion start (processed_at = its transaction start).
              Baseline: NOTIFY off (RELAY_NOTIFY=false), so the relay finds
              events only by its 0.5 s poll.

    .venv/bin/python bench/pipeline.py [--events 20000] [--samples 1000] [--processes 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from bench._db import bench_database, median, percentile
from bench._smoke import parse_args
from certflow.settings import Settings
from db import seed
from db.engine import make_engine

REDIS_URL = os.environ.get("CERTFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/14")
#: This run's own queues: other runs (and tests) may share the Redis database.
NAMESPACE = f"certflow-bench-{os.getpid()}"
LOGS = Path("var/bench")
PROCESSED = "SELECT count(*) FROM processed_messages WHERE actor = 'check_completion'"


def start(args: list[str], settings: Settings, **env: str) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{args[0]}.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "DATABASE_URL": settings.database_url,
                "REDIS_URL": REDIS_URL,
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
                "BROKER_NAMESPACE": NAMESPACE,
                **env,
            },
        )


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(30)


def count(engine: sa.Engine, statement: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(statement)).scalar_one())


def wait_for(engine: sa.Engine, statement: str, target: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while count(engine, statement) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(statement)
        time.sleep(0.01)


def cohort_of(engine: sa.Engine, cohort_id: str, learners: int, milestones: int) -> seed.Cohort:
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b", cohort_id=cohort_id, milestones=milestones
        )
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(learners)])
    return cohort


def complete_all(engine: sa.Engine, cohort_id: str) -> None:
    """Every milestone of the cohort completed, in one transaction (one commit)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " SELECT e.user_profile_id, m.id, 'completed' FROM bootcamp_enrollments e"
                " JOIN cohort_milestones m ON m.cohort_id = e.cohort_id WHERE e.cohort_id = :c"
            ),
            {"c": cohort_id},
        )


def pipeline(settings: Settings, engine: sa.Engine, processes: int, **env: str) -> list[Any]:
    """Relay and completion workers, up and idle: a warm-up event has been processed."""
    relay = start(["relay"], settings, **env)
    worker = start(
        ["worker", "--queues", "completion", "--processes", str(processes), "--threads", "8"],
        settings,
        **env,
    )
    warm = f"warm{time.monotonic_ns()}"
    before = count(engine, PROCESSED)
    cohort_of(engine, warm, 1, 1)
    complete_all(engine, warm)
    wait_for(engine, PROCESSED, before + 1, timeout=120)
    return [relay, worker]


def throughput(
    engine: sa.Engine, settings: Settings, events: int, processes: int, **env: str
) -> float:
    cohort_id = f"burst{time.monotonic_ns()}"
    cohort_of(engine, cohort_id, events // 4, 4)
    procs = pipeline(settings, engine, processes, **env)
    try:
        target = count(engine, PROCESSED) + events
        complete_all(engine, cohort_id)
        started = time.perf_counter()
        wait_for(engine, PROCESSED, target)
        return events / (time.perf_counter() - started)
    finally:
        stop(*procs)


def idle_latencies(
    engine: sa.Engine, settings: Settings, samples: int, interval: float, **env: str
) -> list[float]:
    cohort_id = f"idle{time.monotonic_ns()}"
    cohort = cohort_of(engine, cohort_id, 1, samples)
    (user,) = cohort.learners
    procs = pipeline(settings, engine, 1, **env)
    try:
        _commit_slowly(engine, user, cohort.milestone_ids, interval)
        keys = (
            f"SELECT count(*) FROM processed_messages WHERE idempotency_key LIKE '%%{cohort_id}-%%'"
        )
        wait_for(engine, keys, samples)
    finally:
        stop(*procs)
    return _latencies(engine, cohort_id)


def _commit_slowly(engine: sa.Engine, user: Any, milestones: list[str], interval: float) -> None:
    time.sleep(1)  # idle: the relay is waiting on LISTEN
    for milestone in milestones:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status,"
                    " completed_at) VALUES (:u, :m, 'completed', clock_timestamp())"
                ),
                {"u": user, "m": milestone},
            )
        time.sleep(interval)


def _latencies(engine: sa.Engine, cohort_id: str) -> list[float]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT extract(epoch FROM p.processed_at - ump.completed_at) * 1000"
                " FROM user_milestone_progress ump JOIN processed_messages p"
                " ON p.idempotency_key = 'milestone.completed:' || ump.user_profile_id"
                " || ':' || ump.milestone_id WHERE ump.milestone_id LIKE :c"
            ),
            {"c": f"{cohort_id}-%"},
        ).scalars()
        return [float(r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between idle commits")
    parser.add_argument("--processes", type=int, default=2, help="completion worker processes")
    args = parse_args(parser, events=200, samples=10, processes=1)
    with bench_database() as settings:
        engine = make_engine(settings)
        per_message = throughput(
            engine, settings, args.events, args.processes, ACTOR_BATCH_SIZE="1"
        )
        batched = throughput(engine, settings, args.events, args.processes)
        notify = idle_latencies(engine, settings, args.samples, args.interval)
        poll = idle_latencies(
            engine,
            settings,
            max(args.samples // 5, min(args.samples, 50)),
            args.interval,
            RELAY_NOTIFY="false",
        )
        engine.dispose()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{NAMESPACE}*"):
        client.delete(key)
    print(f"events: {args.events}, idle samples: {len(notify)}, cores: {os.cpu_count()}")
    print(f"completion worker processes: {args.processes} x 8 threads")
    print(f"per_message_events_per_s (baseline): {per_message:.0f}")
    print(f"batched_events_per_s: {batched:.0f}")
    print(f"batched_vs_per_message: {batched / per_message:.1f}x")
    for name, values in (("notify", notify), ("poll_only_baseline", poll)):
        print(f"idle_latency_{name}_p50_ms: {median(values):.1f}")
        print(f"idle_latency_{name}_p95_ms: {percentile(values, 95):.1f}")
        print(f"idle_latency_{name}_p99_ms: {percentile(values, 99):.1f}")


if __name__ == "__main__":
    main()

"""Outbox to check_completion: sustained events per second, and idle latency.

Real processes, as the Procfile runs them: one relay, one worker process.

  throughput  10,000 milestone completions are written while relay and worker
              are stopped; both start; rate = events / (last - first
              processed_at). Baseline in the same run: the relay alone
              draining the same number of events into Redis.
  latency     an idle pipeline, one completion every 100 ms; commit
              (completed_at = clock_timestamp() just before COMMIT) to
              check_completion start (processed_at = its transaction start).
              Baseline: the same with NOTIFY off (RELAY_NOTIFY=false), so the
              relay finds events only by its 0.5 s poll.

    .venv/bin/python bench/pipeline.py [--events 10000] [--samples 100]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import sqlalchemy as sa

from bench._db import bench_database, median, percentile
from certflow.settings import Settings
from db import seed
from db.engine import make_engine

REDIS_URL = os.environ.get("CERTFLOW_BENCH_REDIS", "redis://127.0.0.1:6379/14")
LOGS = Path("var/bench")


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
                "LOG_LEVEL": "WARNING",
                **env,
            },
        )


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait(30)


def wait_for(engine: sa.Engine, statement: str, target: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while conn.execute(sa.text(statement)).scalar_one() < target:
            conn.commit()
            if time.monotonic() > deadline:
                raise TimeoutError(statement)
            time.sleep(0.05)


def write_completions(engine: sa.Engine, cohort_id: str, events: int) -> None:
    learners = events // 4
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id=cohort_id, milestones=4)
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(learners)])
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " SELECT e.user_profile_id, m.id, 'completed' FROM bootcamp_enrollments e"
                " JOIN cohort_milestones m ON m.cohort_id = e.cohort_id WHERE e.cohort_id = :c"
            ),
            {"c": cohort_id},
        )


def pending(cohort_id: str) -> str:
    return (
        "SELECT count(*) FROM event_outbox WHERE dispatched_at IS NOT NULL"
        f" AND payload ->> 'milestone_id' LIKE '{cohort_id}-%'"
    )


def relay_only_rate(engine: sa.Engine, settings: Settings, events: int) -> float:
    write_completions(engine, "relayonly", events)
    relay = start(["relay"], settings)
    started = time.perf_counter()
    wait_for(engine, pending("relayonly"), events)
    elapsed = time.perf_counter() - started
    stop(relay)
    redis.Redis.from_url(REDIS_URL).flushdb()
    return events / elapsed


def end_to_end_rate(engine: sa.Engine, settings: Settings, events: int, processes: int) -> float:
    write_completions(engine, "e2e", events)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE processed_messages"))
    relay = start(["relay"], settings)
    worker = start(
        ["worker", "--queues", "completion", "--processes", str(processes), "--threads", "8"],
        settings,
    )
    wait_for(engine, "SELECT count(*) FROM processed_messages", events)
    stop(relay, worker)
    with engine.connect() as conn:
        span = conn.execute(
            sa.text(
                "SELECT extract(epoch FROM max(processed_at) - min(processed_at))"
                " FROM processed_messages"
            )
        ).scalar_one()
    return events / float(span)


def idle_latencies(
    engine: sa.Engine, settings: Settings, samples: int, cohort_id: str, **env: str
) -> list[float]:
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id=cohort_id, milestones=samples)
        seed.enroll_learners(conn, cohort, ["idle"])
    (user,) = cohort.learners
    relay = start(["relay"], settings, **env)
    worker = start(["worker", "--processes", "1", "--threads", "8"], settings)
    time.sleep(3)  # both idle, relay waiting on LISTEN
    for milestone in cohort.milestone_ids:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status,"
                    " completed_at) VALUES (:u, :m, 'completed', clock_timestamp())"
                ),
                {"u": user, "m": milestone},
            )
        time.sleep(0.1)
    wait_for(
        engine,
        "SELECT count(*) FROM processed_messages p JOIN event_outbox o"
        f" ON o.idempotency_key = p.idempotency_key WHERE o.payload ->> 'milestone_id'"
        f" LIKE '{cohort_id}-%'",
        samples,
    )
    stop(relay, worker)
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.text(
                    "SELECT extract(epoch FROM p.processed_at - ump.completed_at) * 1000"
                    " FROM user_milestone_progress ump JOIN processed_messages p"
                    " ON p.idempotency_key = 'milestone.completed:' || ump.user_profile_id"
                    " || ':' || ump.milestone_id"
                    " WHERE ump.milestone_id LIKE :c"
                ),
                {"c": f"{cohort_id}-%"},
            )
            .scalars()
            .all()
        )
    return [float(r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--processes", type=int, default=1, help="completion worker processes")
    args = parser.parse_args()
    redis.Redis.from_url(REDIS_URL).flushdb()
    with bench_database() as settings:
        engine = make_engine(settings)
        relay_rate = relay_only_rate(engine, settings, args.events)
        e2e_rate = end_to_end_rate(engine, settings, args.events, args.processes)
        notify = idle_latencies(engine, settings, args.samples, "idle_notify")
        poll = idle_latencies(engine, settings, args.samples, "idle_poll", RELAY_NOTIFY="false")
        engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()
    print(f"events: {args.events}, latency samples: {args.samples}, cores: {os.cpu_count()}")
    print(f"completion worker processes: {args.processes} x 8 threads")
    print(f"relay_only_events_per_s: {relay_rate:.0f}")
    print(f"end_to_end_events_per_s: {e2e_rate:.0f}")
    print(f"end_to_end_vs_relay_only: {e2e_rate / relay_rate:.0%}")
    print(f"idle_latency_notify_p50_ms: {median(notify):.1f}")
    print(f"idle_latency_notify_p95_ms: {percentile(notify, 95):.1f}")
    print(f"idle_latency_poll_only_p50_ms: {median(poll):.1f}")
    print(f"idle_latency_poll_only_p95_ms: {percentile(poll, 95):.1f}")


if __name__ == "__main__":
    main()

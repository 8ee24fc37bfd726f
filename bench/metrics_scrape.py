"""What one scrape of the system figures costs on a large database.

Every metrics endpoint (relay, scheduler, web) runs ``certflow_metrics()`` once
per scrape. Seeded: 100,000 enrollments with a certificate each (not read by
it: the render workers count certificates), 500,000
dispatched outbox events and 1,000 pending, 1,000 open dead letters over four
queues (and 10,000 replayed), 20,000 chain transactions (10 unmined). Baselines
in the same run: ``SELECT 1`` (a round trip) and a naive
``count(*)`` of pending events without the partial index's help.

    .venv/bin/python bench/metrics_scrape.py [--enrollments 100000] [--events 500000] [--runs 200]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import sqlalchemy as sa

from bench._db import bench_database, median, percentile
from bench._smoke import parse_args
from db.engine import make_engine
from db.operations import metrics_snapshot

SEED = """
INSERT INTO bootcamp_programs (id, name, lock_address) VALUES ('b', 'B', '0x{lock}');
INSERT INTO cohorts (id, bootcamp_program_id, name) VALUES ('c', 'b', 'C');
CREATE TEMP TABLE plan AS
SELECT i, gen_random_uuid() AS user_id, gen_random_uuid() AS enrollment_id
FROM generate_series(1, :n) i;
INSERT INTO user_profiles (id, display_name) SELECT user_id, 'L' || i FROM plan;
INSERT INTO bootcamp_enrollments (id, user_profile_id, cohort_id)
SELECT enrollment_id, user_id, 'c' FROM plan;
INSERT INTO certificates (id, enrollment_id, version, object_key, sha256, size_bytes)
SELECT gen_random_uuid(), enrollment_id, 1, 'k/' || enrollment_id, repeat('a', 64), 1 FROM plan;
INSERT INTO event_outbox (kind, payload, idempotency_key, created_at, dispatched_at)
SELECT 'certificate.key_granted', '{{}}', 'sent:' || i, now() - interval '1 hour', now()
FROM generate_series(1, :events) i;
INSERT INTO event_outbox (kind, payload, idempotency_key)
SELECT 'certificate.key_granted', '{{}}', 'pending:' || i FROM generate_series(1, 1000) i;
INSERT INTO dead_letters (actor, queue, message_id, payload, error_type, reason, permanent,
    replayed_at)
SELECT 'a', (ARRAY['completion', 'chain', 'render', 'achievements'])[1 + i % 4], 'm' || i,
       '{{}}', 'E', 'r', false, CASE WHEN i > 1000 THEN now() END
FROM generate_series(1, 11000) i;
INSERT INTO chain_transactions (intent, intent_key, signer, chain_id, nonce, to_address,
    raw_tx, tx_hash, status, gas_used)
SELECT 'grant_keys', 'i' || i, '0xS', 31337, i, '0xL', '\\x00', '0x' || i,
       CASE WHEN i > 19990 THEN 'broadcast' ELSE 'mined' END, 150000
FROM generate_series(1, 20000) i;
ANALYZE
"""


def _timed(engine: sa.Engine, step: Callable[[], object], runs: int) -> list[float]:
    step()  # warm the plan and the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _one(engine: sa.Engine, statement: str) -> Callable[[], object]:
    def run() -> object:
        with engine.connect() as conn:
            return conn.execute(sa.text(statement)).all()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parse_args(parser, enrollments=1000, events=5000, runs=5)
    with bench_database("certflow_metrics") as settings:
        engine = make_engine(settings, pool_size=1)
        with engine.begin() as conn:
            for statement in SEED.format(lock="44" * 20).split(";\n"):
                conn.execute(sa.text(statement), {"n": args.enrollments, "events": args.events})
        targets = {
            "SELECT 1 (baseline: a round trip)": _one(engine, "SELECT 1"),
            "count(*) of every outbox row (baseline: a scan)": _one(
                engine, "SELECT count(*) FROM event_outbox"
            ),
            "certflow_metrics(): one scrape's figures": lambda: metrics_snapshot(engine),
        }
        rows = [(label, _timed(engine, step, args.runs)) for label, step in targets.items()]
        engine.dispose()
    print(f"\n| query ({args.runs} runs) | median ms | p95 ms |\n| --- | --- | --- |")
    for label, times in rows:
        print(f"| {label} | {median(times):.2f} | {percentile(times, 95):.2f} |")


if __name__ == "__main__":
    main()

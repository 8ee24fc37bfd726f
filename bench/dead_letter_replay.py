"""Replaying dead letters in bulk: one statement per batch (the console) against a
round trip per letter (the replay before it), both in batches of 100.

    .venv/bin/python bench/dead_letter_replay.py [--letters 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import sqlalchemy as sa

from bench._db import bench_database, median
from bench._smoke import parse_args
from db.engine import make_engine
from issuance.operations import dead_letters as console

_PER_LETTER_TAKE = sa.text(
    "UPDATE dead_letters SET replayed_at = now() WHERE id = :id AND replayed_at IS NULL"
    " RETURNING id, actor, idempotency_key, outbox_id, payload"
)
_EMIT = sa.text("SELECT emit_event('replay', CAST(:payload AS jsonb), :key)")


def letters(engine: sa.Engine, count: int) -> list[int]:
    with engine.begin() as conn:
        found = conn.execute(
            sa.text(
                "INSERT INTO dead_letters (actor, queue, message_id, idempotency_key, payload,"
                " error_type, reason, permanent)"
                " SELECT 'render_certificate', 'render', gen_random_uuid()::text,"
                "  'certificate.attested:' || gen_random_uuid(), '{}', 'StorageUnavailable',"
                "  'object storage is unreachable', false"
                " FROM generate_series(1, :n) RETURNING id"
            ),
            {"n": count},
        )
        return [row.id for row in found]


def per_letter(engine: sa.Engine, ids: list[int], batch: int = 100) -> None:
    """The baseline: the replay as it was, a take and an emit per letter."""
    for start in range(0, len(ids), batch):
        with engine.begin() as conn:
            for letter_id in ids[start : start + batch]:
                row = conn.execute(_PER_LETTER_TAKE, {"id": letter_id}).first()
                if row is None:
                    continue
                payload = {
                    "actor": row.actor,
                    "payload": row.payload,
                    "idempotency_key": row.idempotency_key,
                    "outbox_id": row.outbox_id,
                }
                conn.execute(_EMIT, {"payload": json.dumps(payload), "key": f"replay:{row.id}"})


def timed(engine: sa.Engine, count: int, replay: Callable[..., object]) -> float:
    ids = letters(engine, count)
    started = time.perf_counter()
    replay(engine, ids)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parse_args(parser, letters=50, runs=1)
    with bench_database() as settings:
        engine = make_engine(settings, pool_size=1)
        batched = [timed(engine, args.letters, console.replay) for _ in range(args.runs)]
        baseline = [timed(engine, args.letters, per_letter) for _ in range(args.runs)]
        engine.dispose()
    print(f"letters: {args.letters}, runs: {args.runs}, batch size: 100")
    print(f"replay_one_statement_per_batch_seconds: {median(batched):.3f}")
    print(f"replay_per_letter_seconds (baseline): {median(baseline):.3f}")
    print(f"speedup: {median(baseline) / median(batched):.1f}x")


if __name__ == "__main__":
    main()

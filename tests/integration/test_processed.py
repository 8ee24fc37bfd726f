"""A chain actor's ledger row: written as the worker, its commit not waiting for the flush."""

from __future__ import annotations

import sqlalchemy as sa

from db import ledger
from db.engine import transaction
from events.messages import Delivery
from tests.integration.helpers import scalar
from workers.processed import mark_processed


def test_the_row_is_written_and_only_its_transaction_skips_the_flush(
    engine: sa.Engine, worker_engine: sa.Engine
) -> None:
    delivery = Delivery("grant_key", "m-1", "certificate.claim_requested:x", None)

    mark_processed(worker_engine, delivery)
    mark_processed(worker_engine, delivery)  # a redelivery: still one row

    count = "SELECT count(*) FROM processed_messages WHERE actor = 'grant_key'"
    assert scalar(engine, count) == 1
    with transaction(worker_engine) as conn:
        ledger.commit_without_flush(conn)
        assert conn.execute(sa.text("SHOW synchronous_commit")).scalar() == "off"
    # SET LOCAL: the pooled connection's next transaction flushes again.
    with transaction(worker_engine) as conn:
        assert conn.execute(sa.text("SHOW synchronous_commit")).scalar() == "on"

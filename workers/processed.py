"""The ledger row of a chain actor, written after its pass.

The grant and attest passes are idempotent by state (batches, intent keys,
the chain itself); this row only lets a redelivery skip the work early, so its
commit does not wait for the disk (a lost row costs one idempotent pass).
"""

from __future__ import annotations

import sqlalchemy as sa

from db import ledger
from db.engine import transaction
from events.messages import Delivery


def mark_processed(engine: sa.Engine, delivery: Delivery) -> None:
    with transaction(engine) as conn:
        ledger.commit_without_flush(conn)
        ledger.claim(conn, delivery.actor, delivery.idempotency_key, delivery.message_id)

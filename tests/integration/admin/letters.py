"""Dead letters written straight into the table, as the middleware writes them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa


def dead_letter(
    engine: sa.Engine,
    *,
    actor: str = "render_certificate",
    queue: str = "render",
    reason: str = "object storage is unreachable",
    error_type: str = "StorageUnavailable",
    age: str = "0 seconds",
    key: str | None = None,
    enrollment_id: uuid.UUID | None = None,
) -> int:
    key = key or f"certificate.attested:{uuid.uuid4()}"
    payload: dict[str, Any] = {"enrollment_id": str(enrollment_id) if enrollment_id else None}
    with engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    "INSERT INTO dead_letters (actor, queue, message_id, idempotency_key,"
                    " enrollment_id, payload, error_type, reason, permanent, retries, created_at)"
                    " VALUES (:actor, :queue, :mid, :key, :enrollment, CAST(:payload AS jsonb),"
                    " :error_type, :reason, false, 3, now() - CAST(:age AS interval))"
                    " RETURNING id"
                ),
                {
                    "actor": actor,
                    "queue": queue,
                    "mid": uuid.uuid4().hex,
                    "key": key,
                    "enrollment": enrollment_id,
                    "payload": json.dumps(payload),
                    "error_type": error_type,
                    "reason": reason,
                    "age": age,
                },
            ).scalar_one()
        )


def selected(engine: sa.Engine, audit_id: int) -> list[int]:
    """The letter ids a dry run's selection holds (stored as ranges)."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT generate_series(lower(r), upper(r) - 1) AS id"
                " FROM dead_letter_selections, unnest(ids) AS r WHERE audit_id = :id ORDER BY 1"
            ),
            {"id": audit_id},
        )
        return [int(row.id) for row in found]

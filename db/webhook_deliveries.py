"""The delivery engine's statements (db/sql/webhooks.sql): fan-out, attempts, outcomes.

The management surface's functions (endpoints, secrets, listing, replay) are in
``db/webhooks.py``; these run as the worker and the reconciler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query

#: Outbox kinds that become webhooks: each is its own webhook type but
#: certificate.attestation_failed, which is sent as certificate.failed (stage "attestation").
OUTBOX_KINDS: tuple[str, ...] = (
    "enrollment.completed",
    "certificate.key_granted",
    "certificate.attested",
    "certificate.attestation_failed",
    "certificate.issued",
    "certificate.failed",
    "certificate.revoked",
    "achievement.unlocked",
)


@dataclass(frozen=True)
class Queued:
    """A delivery to send: its id and its endpoint (the message's payload)."""

    delivery_id: str
    endpoint_id: UUID | None


@dataclass(frozen=True)
class Taken:
    """A delivery held for one attempt, with what the attempt needs."""

    attempts: int
    body: str
    created_at: dt.datetime
    endpoint_id: UUID
    url: str
    failing_since: dt.datetime | None
    now: dt.datetime
    secrets: list[str]


@dataclass(frozen=True)
class AttemptState:
    """Why a delivery was not taken."""

    status: str
    next_attempt_at: dt.datetime | None
    locked_until: dt.datetime | None
    enabled: bool
    disabled_reason: str | None
    backoff_until: dt.datetime | None
    now: dt.datetime


def _queued(rows: Any) -> list[Queued]:
    return [Queued(r.id, r.endpoint_id) for r in rows]


def fan_out(
    conn: sa.Connection, outbox_ids: list[int], verify_base: str, site_base: str
) -> list[Queued]:
    """The deliveries these events need and do not have yet, created in the caller's txn."""
    if not outbox_ids:
        return []
    rows = conn.execute(
        query("webhook_fan_out"),
        {
            "ids": outbox_ids,
            "kinds": list(OUTBOX_KINDS),
            "verify_base": verify_base.rstrip("/"),
            "site_base": site_base.rstrip("/"),
        },
    )
    return _queued(rows)


def unfanned_events(conn: sa.Connection, older_than: int, window: int, limit: int) -> list[int]:
    """Sent events with a subscribed endpoint but no delivery for it (the fan-out was lost)."""
    rows = conn.execute(
        query("webhook_unfanned_events"),
        {"kinds": list(OUTBOX_KINDS), "older_than": older_than, "window": window, "limit": limit},
    )
    return [r.id for r in rows]


def lost_deliveries(conn: sa.Connection, older_than: int, limit: int) -> list[Queued]:
    """Pending deliveries long due and not in an attempt: their message was lost."""
    rows = conn.execute(
        query("webhook_lost_deliveries"), {"older_than": older_than, "limit": limit}
    )
    return _queued(rows)


def endpoint_of(conn: sa.Connection, delivery_id: str) -> UUID | None:
    return conn.execute(
        sa.text("SELECT endpoint_id FROM webhook_deliveries WHERE id = :id"), {"id": delivery_id}
    ).scalar_one_or_none()


def try_take(conn: sa.Connection, delivery_id: str, lease_seconds: float) -> Taken | None:
    """Hold the delivery for one attempt if it may be made now (see webhook_try_take)."""
    row = conn.execute(
        query("webhook_try_take"), {"id": delivery_id, "lease": lease_seconds}
    ).first()
    return None if row is None else Taken(**row._mapping)


def attempt_state(conn: sa.Connection, delivery_id: str) -> AttemptState | None:
    """Why the delivery was not taken (its row locked until commit); None: unknown."""
    row = conn.execute(query("webhook_attempt_state"), {"id": delivery_id}).first()
    return None if row is None else AttemptState(**row._mapping)


def defer(conn: sa.Connection, delivery_id: str, at: float) -> None:
    """Not attempted now: due at ``at`` (Unix time) instead."""
    conn.execute(query("webhook_defer"), {"id": delivery_id, "at": at})


def record_delivered(
    conn: sa.Connection, delivery_id: str, status_code: int, duration_ms: int
) -> bool:
    """Delivered (the endpoint is healthy again); False if it was no longer pending."""
    row = conn.execute(
        query("webhook_record_delivered"),
        {"id": delivery_id, "status_code": status_code, "duration_ms": duration_ms},
    ).first()
    return row is not None


def record_failed_attempt(
    conn: sa.Connection,
    delivery_id: str,
    *,
    status_code: int | None,
    error: str,
    duration_ms: int,
    next_at: float | None,
) -> bool:
    """A failed attempt: the next one at ``next_at`` (Unix time), or None: failed for good."""
    row = conn.execute(
        query("webhook_record_failed_attempt"),
        {
            "id": delivery_id,
            "status_code": status_code,
            "error": error,
            "duration_ms": duration_ms,
            "next_at": next_at,
        },
    ).first()
    return row is not None


def endpoint_failing(conn: sa.Connection, endpoint_id: UUID, backoff_until: float | None) -> float:
    """The endpoint failed again (backing off until ``backoff_until``, if given); how long
    it has been failing (seconds since the first failure without a success since)."""
    return float(
        conn.execute(
            query("webhook_endpoint_failing"),
            {"endpoint": str(endpoint_id), "backoff_until": backoff_until},
        ).scalar_one()
    )


def auto_disable(conn: sa.Connection, endpoint_id: UUID, reason: str) -> bool:
    """Disable the endpoint with the reason the admin sees; False if it already was."""
    row = conn.execute(
        query("webhook_endpoint_auto_disable"), {"endpoint": str(endpoint_id), "reason": reason}
    ).first()
    return row is not None


def give_up_disabled(conn: sa.Connection, delivery_id: str, error: str) -> None:
    conn.execute(query("webhook_give_up_disabled"), {"id": delivery_id, "error": error})


def counts(conn: sa.Connection) -> dict[str, int]:
    row = conn.execute(query("webhook_counts")).one()
    return dict(row._mapping)

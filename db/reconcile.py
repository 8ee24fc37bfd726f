"""The reconciler's set-based statements: each finds one stuck state and heals a batch.

Every statement re-emits work through the outbox (or applies the completion
rule, which emits through the outbox itself); nothing here talks to Redis or
the chain. Each returns how many rows it healed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from db import outbox
from db import webhook_deliveries as webhooks
from db.queries import query


def _count(conn: sa.Connection, name: str, **params: object) -> int:
    return int(conn.execute(query(name), params).scalar_one())


def complete_enrollments(conn: sa.Connection, limit: int) -> int:
    """All milestones done, enrollment not completed: completed now (activity and event)."""
    return _count(conn, "reconcile_completions", limit=limit)


def resend_auto_claims(conn: sa.Connection, older_than: int, limit: int) -> int:
    """Completed with AUTO_CLAIM on but never claimed: enrollment.completed sent again."""
    return _count(conn, "reconcile_auto_claims", older_than=older_than, limit=limit)


def resend_renders(conn: sa.Connection, older_than: int, limit: int) -> int:
    """Attested (or given up) without a current PDF that shows it: the render event again."""
    return _count(conn, "reconcile_pdfs", older_than=older_than, limit=limit)


def resend_lost(
    conn: sa.Connection,
    routes: Mapping[str, Sequence[str]],
    older_than: int,
    window: int,
    limit: int,
) -> int:
    """Events sent between ``window`` and ``older_than`` seconds ago that one of the
    actors ``routes`` names for their kind never recorded (sent again to all of them)."""
    pairs = [(kind, actor) for kind, actors in routes.items() for actor in actors]
    return _count(
        conn,
        "reconcile_lost_messages",
        kinds=[kind for kind, _ in pairs],
        actors=[actor for _, actor in pairs],
        older_than=older_than,
        window=window,
        limit=limit,
    )


def _resend(conn: sa.Connection, queued: Sequence[webhooks.Queued]) -> int:
    """Queue deliveries again through the outbox (webhook.resend, to the fan-out actor)."""
    if queued:
        outbox.emit(
            conn,
            "webhook.resend",
            {"delivery_ids": [q.delivery_id for q in queued]},
            f"webhook.resend:{uuid.uuid4()}",
        )
    return len(queued)


def fan_out_webhooks(
    conn: sa.Connection, older_than: int, window: int, limit: int, verify_base: str, site_base: str
) -> int:
    """Events sent with a subscribed endpoint but no delivery (the fan-out message was
    lost): their deliveries created now, and queued."""
    events = webhooks.unfanned_events(conn, older_than, window, limit)
    return _resend(conn, webhooks.fan_out(conn, events, verify_base, site_base))


def resend_webhooks(conn: sa.Connection, older_than: int, limit: int) -> int:
    """Deliveries due for ``older_than`` seconds and not in an attempt (their message was
    lost with Redis): queued again."""
    return _resend(conn, webhooks.lost_deliveries(conn, older_than, limit))


def prune_outbox(conn: sa.Connection, older_than: int, limit: int) -> int:
    return _count(conn, "prune_outbox", older_than=older_than, limit=limit)


def prune_ledger(conn: sa.Connection, older_than: int, limit: int) -> int:
    return _count(conn, "prune_ledger", older_than=older_than, limit=limit)

"""What the management surface (CLI, /admin, the API) does to webhook endpoints beyond the
repository of ``db.webhooks``: change an endpoint, delete one, tell the state of its
secrets (never a secret) and list a delivery's attempts.

As certflow_app (the API) row-level security keeps each to the caller's community:
another community's id finds nothing, exactly like an unknown one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class SecretState:
    """How many secrets sign an endpoint's deliveries now (two during a rotation), and
    until when the one a rotation replaced is accepted (None: no rotation under way)."""

    live_secrets: int
    previous_secret_expires_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        expires = self.previous_secret_expires_at
        return {
            "live_secrets": self.live_secrets,
            "previous_secret_expires_at": expires.isoformat() if expires else None,
        }


def change(
    conn: sa.Connection,
    endpoint_id: UUID,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
) -> bool:
    """Change what is given (None keeps it); False when there is no such endpoint."""
    params = {
        "id": endpoint_id,
        "url": url,
        "event_types": None if event_types is None else list(event_types),
        "description": description,
    }
    return conn.execute(query("webhook_endpoint_change"), params).first() is not None


def delete(conn: sa.Connection, endpoint_id: UUID) -> bool:
    """The endpoint, its secrets and its deliveries; False when there is no such endpoint."""
    return conn.execute(query("webhook_endpoint_delete"), {"id": endpoint_id}).first() is not None


def secret_states(conn: sa.Connection, endpoint_ids: Sequence[UUID]) -> dict[UUID, SecretState]:
    rows = conn.execute(query("webhook_secret_state"), {"ids": list(endpoint_ids)})
    return {
        row.endpoint_id: SecretState(int(row.live_secrets), row.previous_secret_expires_at)
        for row in rows
    }


def community_exists(conn: sa.Connection, community_id: str) -> bool:
    return bool(conn.execute(query("community_exists"), {"community": community_id}).scalar_one())


def body(conn: sa.Connection, delivery_id: str) -> str | None:
    """The exact JSON body every attempt of the delivery sends."""
    found = conn.execute(query("webhook_delivery_body"), {"id": delivery_id}).scalar()
    return None if found is None else str(found)


def queue(conn: sa.Connection, delivery_id: str) -> None:
    """Send the pending delivery to the webhooks queue when this transaction commits (a
    ``webhook.resend`` event in the outbox: the relay sends it, and the reconciler finds a
    pending delivery whose message Redis lost)."""
    conn.execute(query("webhook_delivery_queue"), {"id": delivery_id})


def attempts(conn: sa.Connection, delivery_id: str) -> list[dict[str, Any]]:
    """Every attempt of the delivery, first first: when, the status code or the error."""
    rows = conn.execute(query("webhook_delivery_attempts"), {"id": delivery_id})
    return [{**row._mapping, "at": row.at.isoformat()} for row in rows]

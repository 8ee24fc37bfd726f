"""Webhook endpoints, their signing secrets and their deliveries (issue 20).

The management surface (CLI, API, /admin) calls these in its own transaction
(and audits there). A tenant connection (the API as certflow_app) sees its own
community's rows only (row-level security): another community's id is unknown.
A secret (``whsec_`` + base64 of 32 random bytes) is stored as is: the engine
signs with it, so a digest would not do.
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
#: The documented event types (README, Webhooks); the schema checks the same list.
EVENT_TYPES: tuple[str, ...] = (
    "enrollment.completed",
    "certificate.key_granted",
    "certificate.attested",
    "certificate.issued",
    "certificate.failed",
    "certificate.revoked",
    "achievement.unlocked",
    "webhook.test",
)
#: How long the old secret keeps signing after a rotation (both verify meanwhile).
ROTATION_OVERLAP = timedelta(hours=24)

_ENDPOINT_COLUMNS = (
    "id, community_id, url, event_types, description, enabled, disabled_reason,"
    " disabled_at, failing_since, created_at, updated_at"
)
_DELIVERY_COLUMNS = (
    "id, endpoint_id, community_id, outbox_id, event_type, status, attempts,"
    " next_attempt_at, last_attempt_at, last_status_code, last_error, delivered_at,"
    " failed_at, created_at, replayed_at, replay_count"
)


def _json(row: Endpoint | Delivery) -> dict[str, Any]:
    """A row as JSON: ids and times as strings, the community as ``community``."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(row):
        value = getattr(row, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, UUID):
            value = str(value)
        out["community" if field.name == "community_id" else field.name] = value
    return out


@dataclass(frozen=True)
class Endpoint:
    id: UUID
    community_id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return _json(self)


@dataclass(frozen=True)
class Delivery:
    id: str
    endpoint_id: UUID
    community_id: str
    outbox_id: int | None
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    replayed_at: datetime | None
    replay_count: int

    def as_json(self) -> dict[str, Any]:
        return _json(self)


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes (shown once to whoever registers the endpoint)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_delivery_id() -> str:
    """A webhook-id: ``msg_`` and 32 random hex characters."""
    return "msg_" + secrets.token_hex(16)


def _endpoint(row: sa.Row[Any] | None) -> Endpoint | None:
    return None if row is None else Endpoint(**row._mapping)


def _delivery(row: sa.Row[Any] | None) -> Delivery | None:
    return None if row is None else Delivery(**row._mapping)


def create_endpoint(
    conn: sa.Connection,
    community_id: str,
    url: str,
    event_types: Sequence[str],
    description: str = "",
) -> tuple[Endpoint, str]:
    """A new endpoint of the community and its first secret (returned once, to show)."""
    params = {"community": community_id, "url": url, "types": list(event_types)}
    row = conn.execute(
        sa.text(
            "INSERT INTO webhook_endpoints (community_id, url, event_types, description)"
            f" VALUES (:community, :url, :types, :description) RETURNING {_ENDPOINT_COLUMNS}"
        ),
        {**params, "description": description},
    ).one()
    secret = new_secret()
    conn.execute(
        sa.text("INSERT INTO webhook_secrets (endpoint_id, secret) VALUES (:id, :secret)"),
        {"id": row.id, "secret": secret},
    )
    return Endpoint(**row._mapping), secret


def list_endpoints(conn: sa.Connection, community_id: str | None = None) -> list[Endpoint]:
    """Every endpoint (of one community when named), oldest first."""
    rows = conn.execute(
        sa.text(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints"
            " WHERE CAST(:community AS text) IS NULL OR community_id = :community"
            " ORDER BY created_at, id"
        ),
        {"community": community_id},
    )
    return [Endpoint(**r._mapping) for r in rows]


def get_endpoint(
    conn: sa.Connection, endpoint_id: UUID | str, community_id: str | None = None
) -> Endpoint | None:
    """The endpoint, or None when unknown (or of another community than the one named)."""
    row = conn.execute(
        sa.text(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = :id"
            " AND (CAST(:community AS text) IS NULL OR community_id = :community)"
        ),
        {"id": str(endpoint_id), "community": community_id},
    ).first()
    return _endpoint(row)


def disable_endpoint(conn: sa.Connection, endpoint_id: UUID | str, reason: str) -> Endpoint | None:
    """Disable with the reason the admin sees; None when unknown."""
    row = conn.execute(
        sa.text(
            "UPDATE webhook_endpoints SET enabled = false, disabled_reason = left(:reason, 500),"
            " disabled_at = now(), updated_at = now() WHERE id = :id"
            f" RETURNING {_ENDPOINT_COLUMNS}"
        ),
        {"id": str(endpoint_id), "reason": reason},
    ).first()
    return _endpoint(row)


def enable_endpoint(conn: sa.Connection, endpoint_id: UUID | str) -> Endpoint | None:
    """Enable again: the reason, the failing streak and the backoff are cleared."""
    row = conn.execute(
        sa.text(
            "UPDATE webhook_endpoints SET enabled = true, disabled_reason = NULL,"
            " disabled_at = NULL, failing_since = NULL, backoff_until = NULL, updated_at = now()"
            f" WHERE id = :id RETURNING {_ENDPOINT_COLUMNS}"
        ),
        {"id": str(endpoint_id)},
    ).first()
    return _endpoint(row)


def rotate_secret(
    conn: sa.Connection, endpoint_id: UUID | str, overlap: timedelta = ROTATION_OVERLAP
) -> str | None:
    """A new secret; the current one signs on for ``overlap`` (one older is dropped)."""
    secret = new_secret()
    row = conn.execute(
        sa.text(
            "WITH ep AS (SELECT id FROM webhook_endpoints WHERE id = CAST(:id AS uuid)),"
            " d AS (DELETE FROM webhook_secrets WHERE endpoint_id IN (SELECT id FROM ep)"
            " AND expires_at IS NOT NULL),"
            " u AS (UPDATE webhook_secrets SET expires_at = now() + :overlap"
            " WHERE endpoint_id IN (SELECT id FROM ep) AND expires_at IS NULL)"
            " INSERT INTO webhook_secrets (endpoint_id, secret) SELECT id, :secret FROM ep"
            " RETURNING id"
        ),
        {"id": str(endpoint_id), "overlap": overlap, "secret": secret},
    ).first()
    return None if row is None else secret


def live_secrets(conn: sa.Connection, endpoint_id: UUID | str) -> list[str]:
    """The secrets signing now: the current one, and one still in its overlap."""
    rows = conn.execute(
        sa.text(
            "SELECT secret FROM webhook_secrets WHERE endpoint_id = :id"
            " AND (expires_at IS NULL OR expires_at > now()) ORDER BY id DESC"
        ),
        {"id": str(endpoint_id)},
    )
    return [r.secret for r in rows]


def list_deliveries(
    conn: sa.Connection,
    community_id: str | None = None,
    endpoint_id: UUID | str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """The newest deliveries, filtered by community, endpoint and status when named."""
    endpoint = None if endpoint_id is None else str(endpoint_id)
    rows = conn.execute(
        sa.text(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries"
            " WHERE (CAST(:community AS text) IS NULL OR community_id = :community)"
            " AND (CAST(:endpoint AS uuid) IS NULL OR endpoint_id = CAST(:endpoint AS uuid))"
            " AND (CAST(:status AS text) IS NULL OR status = :status)"
            " ORDER BY created_at DESC, id LIMIT :limit"
        ),
        {"community": community_id, "endpoint": endpoint, "status": status, "limit": limit},
    )
    return [Delivery(**r._mapping) for r in rows]


def get_delivery(
    conn: sa.Connection, delivery_id: str, community_id: str | None = None
) -> Delivery | None:
    row = conn.execute(
        sa.text(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = :id"
            " AND (CAST(:community AS text) IS NULL OR community_id = :community)"
        ),
        {"id": delivery_id, "community": community_id},
    ).first()
    return _delivery(row)


def reset_for_replay(
    conn: sa.Connection, delivery_id: str, community_id: str | None = None
) -> Delivery | None:
    """Back in line: same id and body, the schedule from the start. The caller audits,
    commits, then queues it (events.webhooks.enqueue_delivery; the reconciler if lost)."""
    row = conn.execute(
        sa.text(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
            " next_attempt_at = now(), locked_until = NULL, failed_at = NULL,"
            " replayed_at = now(), replay_count = replay_count + 1"
            " WHERE id = :id AND (CAST(:community AS text) IS NULL OR community_id = :community)"
            f" RETURNING {_DELIVERY_COLUMNS}"
        ),
        {"id": delivery_id, "community": community_id},
    ).first()
    return _delivery(row)


def insert_test_delivery(
    conn: sa.Connection, endpoint_id: UUID | str, body: str, delivery_id: str
) -> Delivery | None:
    """A webhook.test delivery to the endpoint (body built by the caller); None: unknown."""
    row = conn.execute(
        sa.text(
            "INSERT INTO webhook_deliveries (id, endpoint_id, community_id, event_type, body)"
            " SELECT :id, e.id, e.community_id, 'webhook.test', :body"
            " FROM webhook_endpoints e WHERE e.id = CAST(:endpoint AS uuid)"
            f" RETURNING {_DELIVERY_COLUMNS}"
        ),
        {"id": delivery_id, "endpoint": str(endpoint_id), "body": body},
    ).first()
    return _delivery(row)

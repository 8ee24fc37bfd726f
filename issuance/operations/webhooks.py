"""Webhook endpoints as an admin (CLI, /admin) or an app (the API) manages them: register
one (its URL checked against the SSRF policy, its event types against the documented
list), change, rotate its secret, send it a test event, replay a failed delivery.

Each function works in the caller's transaction and connection: as certflow_admin it
reaches every community; as certflow_app (the API) row-level security keeps it to the
caller's own, so another community's id finds nothing, exactly as an unknown id. The
caller audits (the CLI and /admin through ``db.audit``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from certflow.errors import Refused
from db import webhook_changes, webhooks
from db.webhooks import Delivery, Endpoint
from issuance.webhooks import urls

MAX_DESCRIPTION = 500
#: The longest a replaced secret may stay accepted after a rotation.
MAX_OVERLAP = timedelta(days=7)


def event_types(given: Iterable[str]) -> list[str]:
    """The documented event types named (``a,b`` or several values), in order, once each."""
    names = [n.strip() for value in given for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in webhooks.EVENT_TYPES]
    if unknown:
        raise Refused(
            f"Unknown event type {unknown[0]!r}: one of {', '.join(webhooks.EVENT_TYPES)}"
        )
    if not names:
        raise Refused("Name at least one event type")
    return list(dict.fromkeys(names))


def checked_url(url: str, allow_private: bool) -> str:
    """The URL when certflow may deliver to it (``issuance.webhooks.urls``, the engine's one
    policy): https, and a host whose every address is public, resolved now (the engine
    checks again the address it connects to). ``WebhookUrlRefused`` saying why."""
    url = url.strip()
    if allow_private:
        return urls.check_url(url, allow_private=True)
    urls.resolve(url, allow_private=False)
    return url


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise Refused(f"A description is at most {MAX_DESCRIPTION} characters")
    return text


def register(
    conn: sa.Connection,
    community_id: str,
    url: str,
    events: Sequence[str],
    description: str = "",
    *,
    allow_private: bool,
) -> tuple[Endpoint, str]:
    """A new endpoint and its first secret (to be shown once, never stored elsewhere)."""
    types = event_types(events)
    checked = checked_url(url, allow_private)
    if not webhook_changes.community_exists(conn, community_id):
        raise Refused(f"No community {community_id!r}")
    return webhooks.create_endpoint(conn, community_id, checked, types, _description(description))


def change(
    conn: sa.Connection,
    endpoint_id: UUID,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    allow_private: bool,
) -> Endpoint | None:
    """Change what is given; None when there is no such endpoint (for this caller)."""
    checked = None if url is None else checked_url(url, allow_private)
    types = None if events is None else event_types(events)
    text = None if description is None else _description(description)
    changed = webhook_changes.change(
        conn, endpoint_id, url=checked, event_types=types, description=text
    )
    return webhooks.get_endpoint(conn, endpoint_id) if changed else None


def rotate(conn: sa.Connection, endpoint_id: UUID, overlap: timedelta) -> dict[str, Any] | None:
    """A new secret (shown once); the one it replaces is accepted ``overlap`` more."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise Refused(f"The overlap is between 0 and {MAX_OVERLAP.days} days")
    secret = webhooks.rotate_secret(conn, endpoint_id, overlap)
    if secret is None:
        return None
    state = webhook_changes.secret_states(conn, [endpoint_id]).get(endpoint_id)
    expires = state.previous_secret_expires_at if state else None
    return {
        "id": str(endpoint_id),
        "secret": secret,
        "previous_secret_expires_at": expires.isoformat() if expires else None,
    }


def testable(conn: sa.Connection, endpoint_id: UUID) -> Endpoint | None:
    """The endpoint a test event may go to; None: no such endpoint (for this caller).
    Refused when it is disabled: the engine would fail the test at once."""
    found = webhooks.get_endpoint(conn, endpoint_id)
    if found is not None and not found.enabled:
        raise Refused(
            f"Webhook endpoint {endpoint_id} is disabled ({found.disabled_reason}): enable it first"
        )
    return found


def replay(conn: sa.Connection, delivery_id: str) -> Delivery | None:
    """A failed delivery back in line: same webhook-id and body, the retry schedule from
    its start, queued when the caller commits. None: no such delivery (for this caller);
    refused unless it failed."""
    found = webhooks.get_delivery(conn, delivery_id)
    if found is None:
        return None
    if found.status != "failed":
        raise Refused(f"Only a failed delivery is replayed; {delivery_id} is {found.status}")
    again = webhooks.reset_for_replay(conn, delivery_id)
    if again is not None:
        webhook_changes.queue(conn, again.id)
    return again


def endpoint_views(conn: sa.Connection, endpoints: Sequence[Endpoint]) -> list[dict[str, Any]]:
    """Endpoints as JSON, each with the state of its secrets (never a secret)."""
    states = webhook_changes.secret_states(conn, [e.id for e in endpoints])
    none = webhook_changes.SecretState(0, None)
    return [endpoint_json(e) | states.get(e.id, none).as_json() for e in endpoints]


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.id),
        "community": endpoint.community_id,
        "url": endpoint.url,
        "events": list(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": _iso(endpoint.disabled_at),
        "failing_since": _iso(endpoint.failing_since),
        "created_at": _iso(endpoint.created_at),
        "updated_at": _iso(endpoint.updated_at),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpoint_id": str(delivery.endpoint_id),
        "community": delivery.community_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": _iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "last_attempt_at": _iso(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": _iso(delivery.delivered_at),
        "failed_at": _iso(delivery.failed_at),
        "created_at": _iso(delivery.created_at),
        "replayed_at": _iso(delivery.replayed_at),
        "replay_count": delivery.replay_count,
    }


def delivery_detail(conn: sa.Connection, delivery_id: str) -> dict[str, Any] | None:
    """One delivery with its exact body (what every attempt sends) and its attempts."""
    found = webhooks.get_delivery(conn, delivery_id)
    if found is None:
        return None
    body = webhook_changes.body(conn, delivery_id)
    return delivery_json(found) | {
        "body": json.loads(body) if body else None,
        "attempt_log": webhook_changes.attempts(conn, delivery_id),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None

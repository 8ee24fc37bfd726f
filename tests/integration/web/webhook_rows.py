"""Webhook endpoints and deliveries written straight into the tables, as the CLI and the
delivery engine leave them: one endpoint working, one disabled by the engine with its
reason, and a delivered, a failed and a pending delivery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

GONE = "410 Gone from the endpoint"


@dataclass(frozen=True)
class Hooks:
    working: str
    gone: str
    delivered: str
    failed: str
    pending: str


def _endpoint(conn: sa.Connection, community: str, url: str, reason: str | None) -> str:
    return str(
        conn.execute(
            sa.text(
                "INSERT INTO webhook_endpoints (community_id, url, event_types, enabled,"
                " disabled_reason, disabled_at) VALUES (:c, :u, ARRAY['certificate.issued'],"
                " CAST(:reason AS text) IS NULL, CAST(:reason AS text),"
                " CASE WHEN CAST(:reason AS text) IS NOT NULL THEN now() END)"
                " RETURNING id"
            ),
            {"c": community, "u": url, "reason": reason},
        ).scalar_one()
    )


def _delivery(conn: sa.Connection, endpoint: str, community: str, status: str) -> str:
    delivery_id = "msg_" + uuid.uuid4().hex
    conn.execute(
        sa.text(
            "INSERT INTO webhook_deliveries (id, endpoint_id, community_id, event_type, body,"
            " status, attempts, last_status_code, next_attempt_at, delivered_at, failed_at)"
            " VALUES (:id, :e, :c, 'certificate.issued', '{}', :s, 1,"
            " CASE CAST(:s AS text) WHEN 'delivered' THEN 200 WHEN 'failed' THEN 500 END,"
            " CASE WHEN CAST(:s AS text) = 'pending' THEN now() END,"
            " CASE WHEN CAST(:s AS text) = 'delivered' THEN now() END,"
            " CASE WHEN CAST(:s AS text) = 'failed' THEN now() END)"
        ),
        {"id": delivery_id, "e": endpoint, "c": community, "s": status},
    )
    return delivery_id


def webhook_rows(engine: sa.Engine, community: str = "acme") -> Hooks:
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO communities (id, name) VALUES (:c, :c) ON CONFLICT DO NOTHING"),
            {"c": community},
        )
        working = _endpoint(conn, community, "https://hooks.acme.example/certflow", None)
        gone = _endpoint(conn, community, "https://old.acme.example/hook", GONE)
        return Hooks(
            working,
            gone,
            _delivery(conn, working, community, "delivered"),
            _delivery(conn, gone, community, "failed"),
            _delivery(conn, working, community, "pending"),
        )

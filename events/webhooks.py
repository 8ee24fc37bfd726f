"""Queueing webhook deliveries: what the fan-out, the reconciler's re-send, a replay and
``webhooks test`` send to the ``webhooks`` queue, one message per delivery.

A delivery row is always committed before its message is sent: a message lost
(Redis down or flushed, a crash in between) leaves the row pending and due,
and the reconciler sends it again (``webhook.resend``). Sending a delivery
twice is harmless: the row decides whether an attempt is made.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import dramatiq
import redis
import sqlalchemy as sa
import structlog

from db import webhooks
from db.webhook_deliveries import Queued
from events.messages import IDEMPOTENCY_KEY
from events.routes import queue_of

log = structlog.get_logger("certflow.webhooks")

ACTOR = "deliver_webhook"


#: Deliveries to one endpoint per message at most: a thread attempts them in turn (over
#: one kept-alive connection), so the per-message cost is paid once for many.
CHUNK = 16


def message(delivery_ids: Sequence[str], endpoint_id: UUID | None) -> dramatiq.Message[Any]:
    payload: dict[str, Any] = {"delivery_ids": list(delivery_ids)}
    if endpoint_id is not None:
        payload["endpoint_id"] = str(endpoint_id)
    return dramatiq.Message(
        queue_name=queue_of(ACTOR),
        actor_name=ACTOR,
        args=(payload,),
        kwargs={},
        # The key names the (first) delivery, for the logs: the delivery row decides.
        options={IDEMPOTENCY_KEY: f"webhook.deliver:{delivery_ids[0]}"},
    )


def _chunks(queued: Sequence[Queued]) -> list[tuple[list[str], UUID | None]]:
    """The deliveries grouped by endpoint, ``CHUNK`` at most each (unknown endpoint: alone)."""
    groups: dict[UUID, list[str]] = {}
    chunks: list[tuple[list[str], UUID | None]] = []
    for item in queued:
        if item.endpoint_id is None:
            chunks.append(([item.delivery_id], None))
        else:
            groups.setdefault(item.endpoint_id, []).append(item.delivery_id)
    for endpoint, ids in groups.items():
        chunks += [(ids[i : i + CHUNK], endpoint) for i in range(0, len(ids), CHUNK)]
    return chunks


def enqueue(broker: dramatiq.Broker, queued: Sequence[Queued], at: float | None = None) -> None:
    """Send these deliveries now, or at Unix time ``at``. A lost send is not an error:
    the rows are committed and the reconciler re-sends what stays due."""
    delay_ms = None if at is None else max(0, int((at - time.time()) * 1000))
    messages = [message(ids, endpoint) for ids, endpoint in _chunks(queued)]
    try:
        enqueue_many = getattr(broker, "enqueue_many", None)
        if not delay_ms and enqueue_many is not None and len(messages) > 1:
            enqueue_many(messages)  # one Redis round trip (the fan-out's thousands)
            return
        for item in messages:
            broker.enqueue(item, delay=delay_ms or None)
    except redis.RedisError as exc:
        log.warning("webhook_enqueue_failed", error=type(exc).__name__, count=len(queued))


def enqueue_delivery(
    broker: dramatiq.Broker, delivery_id: str, endpoint_id: UUID | None = None
) -> None:
    """Queue one delivery (after a replay or a test event was committed)."""
    enqueue(broker, [Queued(delivery_id, endpoint_id)])


def webhook_test_body(endpoint: webhooks.Endpoint, now: dt.datetime | None = None) -> str:
    """A webhook.test event's body: {"type", "timestamp", "data"}."""
    at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    data = {"community_id": endpoint.community_id, "endpoint_id": str(endpoint.id)}
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"type": "webhook.test", "timestamp": stamp, "data": data})


def create_test_delivery(
    conn: sa.Connection, endpoint_id: UUID | str, community_id: str | None = None
) -> webhooks.Delivery | None:
    """A webhook.test delivery to the endpoint in the caller's transaction (None: unknown).
    Commit, then ``enqueue_delivery``."""
    endpoint = webhooks.get_endpoint(conn, endpoint_id, community_id)
    if endpoint is None:
        return None
    return webhooks.insert_test_delivery(
        conn, endpoint.id, webhook_test_body(endpoint), webhooks.new_delivery_id()
    )


def send_test_event(
    engine: sa.Engine,
    broker: dramatiq.Broker,
    endpoint_id: UUID | str,
    community_id: str | None = None,
) -> webhooks.Delivery | None:
    """``webhooks test``: a webhook.test delivery, committed, then queued."""
    with engine.begin() as conn:
        delivery = create_test_delivery(conn, endpoint_id, community_id)
    if delivery is not None:
        enqueue_delivery(broker, delivery.id, delivery.endpoint_id)
    return delivery


def replay(
    engine: sa.Engine, broker: dramatiq.Broker, delivery_id: str, community_id: str | None = None
) -> webhooks.Delivery | None:
    """Reset the delivery to pending (same id, same body), commit, queue it (None: unknown).
    A caller that audits in the same transaction uses ``db.webhooks.reset_for_replay`` and
    ``enqueue_delivery`` itself."""
    with engine.begin() as conn:
        delivery = webhooks.reset_for_replay(conn, delivery_id, community_id)
    if delivery is not None:
        enqueue_delivery(broker, delivery.id, delivery.endpoint_id)
    return delivery

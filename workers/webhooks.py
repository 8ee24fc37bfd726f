"""The webhook actors, both on the ``webhooks`` queue.

``webhook_fan_out`` takes the relay's batch of events (``events.routes.BATCHED``):
it creates every delivery they need in one statement, commits, and only then
queues one ``deliver_webhook`` message per new delivery. ``deliver_webhook``
makes one attempt (or defers it) and queues the next message itself: a retry
at its scheduled time, a deferral when the endpoint is free again.
"""

from __future__ import annotations

import random
import time
from typing import Any
from uuid import UUID

import structlog
from prometheus_client import Counter, Histogram

from certflow.errors import BadEvent
from db import webhook_deliveries as repo
from db.engine import transaction
from events import webhooks as queueing
from events.messages import Delivery, event_kind
from events.schemas import EventBatch, parse
from issuance.webhooks.delivery import LEASE_MARGIN_SECONDS, Outcome, deliver
from workers.runtime import Runtime

log = structlog.get_logger("certflow.webhooks")

OUTCOMES = Counter(
    "certflow_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retry (failed, again later), failed"
    " (for good), deferred (endpoint busy or backing off), skipped (nothing to do).",
    ["outcome"],
)
LATENCY = Histogram(
    "certflow_webhook_delivery_latency_seconds",
    "From a delivery's creation (its event fanned out) to the endpoint's 2xx.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000),
)
DISABLED = Counter(
    "certflow_webhook_endpoints_disabled",
    "Endpoints the engine disabled: gone (410) or failing (for WEBHOOK_DISABLE_AFTER).",
    ["reason"],
)
_RNG = random.Random()
# Every series from the start (0), so a rate or an alert has something to read.
for _outcome in ("delivered", "retry", "failed", "deferred", "skipped"):
    OUTCOMES.labels(_outcome)
for _reason in ("gone", "failing"):
    DISABLED.labels(_reason)


def webhook_fan_out(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """The deliveries of a batch of events, committed, then queued; and re-sends."""
    if "events" in payload:
        batch = parse(EventBatch, "webhook batch", payload)
        events = [(e.kind, e.payload, e.outbox_id) for e in batch.events]
    else:
        events = [(event_kind(delivery), payload, delivery.outbox_id)]
    resend = [
        repo.Queued(str(i), None)
        for kind, body, _ in events
        if kind == "webhook.resend"
        for i in body.get("delivery_ids", [])
    ]
    ids = [o for kind, _, o in events if kind in repo.OUTBOX_KINDS and o is not None]
    site = rt.settings.verify_base_url.rstrip("/").removesuffix("/verify")
    with transaction(rt.engine) as conn:
        created = repo.fan_out(conn, ids, rt.settings.verify_base_url, site)
    queueing.enqueue(rt.broker, created + resend)
    log.info("webhooks_fanned_out", events=len(ids), deliveries=len(created), resent=len(resend))


def deliver_webhook(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """One attempt of each delivery of the message, and the message for what comes next."""
    ids = payload.get("delivery_ids", [payload.get("delivery_id")])
    if not ids or not all(isinstance(i, str) for i in ids):
        raise BadEvent("deliver_webhook needs delivery_ids")
    for delivery_id in ids:
        _deliver_one(rt, delivery_id, payload.get("endpoint_id"), delivery)


def _deliver_one(rt: Runtime, delivery_id: str, given: object, delivery: Delivery) -> None:
    endpoint = _endpoint(rt, delivery_id, given)
    if endpoint is None:
        OUTCOMES.labels("skipped").inc()
        return
    slots = rt.webhook_slots
    if slots.acquire(endpoint):
        try:
            outcome = deliver(rt.settings, rt.webhook_engine, delivery_id)
        finally:
            slots.release(endpoint)
    else:
        budget = rt.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        outcome = Outcome("deferred", at=time.time() + slots.retry_in(endpoint, budget, _RNG))
    _count(outcome)
    if outcome.kind in ("retry", "deferred") and outcome.at is not None:
        queueing.enqueue(rt.broker, [repo.Queued(delivery_id, endpoint)], at=outcome.at)
    if outcome.kind in ("delivered", "retry", "failed"):
        log.info(
            "webhook_attempt",
            delivery_id=delivery_id,
            endpoint_id=str(endpoint),
            idempotency_key=delivery.idempotency_key,
            outcome=outcome.kind,
            status_code=outcome.status_code,
            error=outcome.error,
        )


def _endpoint(rt: Runtime, delivery_id: str, given: object) -> UUID | None:
    if isinstance(given, str):
        return UUID(given)
    with transaction(rt.engine) as conn:
        return repo.endpoint_of(conn, delivery_id)


def _count(outcome: Outcome) -> None:
    OUTCOMES.labels(outcome.kind).inc()
    if outcome.latency_seconds is not None:
        LATENCY.observe(outcome.latency_seconds)
    if outcome.disabled is not None:
        DISABLED.labels("gone" if outcome.status_code == 410 else "failing").inc()

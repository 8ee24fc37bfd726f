"""One attempt of one delivery, and what comes next: delivered, again at a time, or failed.

The delivery row decides, not the message: a message for a delivery that is
no longer pending, or not yet due, does nothing (duplicates are harmless).
One attempt at a time per delivery (a lease in the row, which a killed worker
lets go when it passes) and at most WEBHOOK_MAX_IN_FLIGHT per endpoint, counted
under the endpoint's lock. A busy or backing-off endpoint's delivery is not
held in a worker thread: it is deferred (due later, with a message at that
time), so a dead endpoint delays only its own deliveries.
"""

from __future__ import annotations

import datetime as dt
import http.client
import random
import time
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.errors import WebhookUrlRefused
from certflow.settings import Settings
from db import webhook_deliveries as repo
from db import webhooks
from db.engine import transaction
from issuance.webhooks import signing, transport, urls

log = structlog.get_logger("certflow.webhooks")

Kind = Literal["delivered", "retry", "failed", "deferred", "skipped"]
#: An attempt's lease beyond its time budget: enough to record the outcome.
LEASE_MARGIN_SECONDS = 5.0
#: The longest an endpoint backs off after failures (it grows with the failing streak).
MAX_BACKOFF_SECONDS = 3600.0
#: Retry-After is honoured up to a day.
MAX_RETRY_AFTER_SECONDS = 86400.0
#: An in-flight attempt older than this makes the endpoint "slow": the next
#: delivery waits for a slot rather than asking again in a moment.
SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    #: Unix time of the next attempt (retry, deferred).
    at: float | None = None
    status_code: int | None = None
    error: str | None = None
    #: The delivery's age when delivered (created to 2xx), for the latency histogram.
    latency_seconds: float | None = None
    #: Why the endpoint was disabled by this attempt, if it was.
    disabled: str | None = None


def jittered(seconds: float, rng: random.Random) -> float:
    """+-20%: retries of many deliveries that failed together spread out."""
    return seconds * rng.uniform(0.8, 1.2)


def next_retry(settings: Settings, attempts: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones, or None: no more."""
    schedule = settings.webhook_schedule
    if attempts > len(schedule):
        return None
    delay = jittered(schedule[attempts - 1], random.Random())
    if retry_after is not None:
        delay = min(max(retry_after, 1.0), MAX_RETRY_AFTER_SECONDS)
    return delay


def deliver(settings: Settings, engine: sa.Engine, delivery_id: str, endpoint: UUID) -> Outcome:
    """One attempt (or a deferral) of the delivery; its outcome is committed on return."""
    rng = random.Random()
    with transaction(engine) as conn:
        state = repo.attempt_state(conn, delivery_id, endpoint)
        early = _not_now(conn, settings, state, delivery_id, rng)
        if early is not None:
            return early
        assert state is not None
        attempt = repo.take(
            conn, delivery_id, settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        )
        secrets = webhooks.live_secrets(conn, endpoint)
    started = time.monotonic()
    status, retry_after, error = _attempt(settings, state, delivery_id, secrets)
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction(engine) as conn:
        if status is not None and 200 <= status < 300:
            repo.record_delivered(conn, delivery_id, status, duration_ms)
            age = (state.now - state.created_at).total_seconds() + duration_ms / 1000
            return Outcome("delivered", status_code=status, latency_seconds=age)
        return _failed(
            conn, settings, state, delivery_id, attempt, status, retry_after, error, duration_ms
        )


def _not_now(
    conn: sa.Connection,
    settings: Settings,
    state: repo.AttemptState | None,
    delivery_id: str,
    rng: random.Random,
) -> Outcome | None:
    """Why no attempt is made now (and what then), or None: attempt."""
    if state is None or state.status != "pending":
        return Outcome("skipped")
    now = state.now.timestamp()
    if not state.enabled:
        error = f"endpoint disabled: {state.disabled_reason or 'by an admin'}"
        repo.give_up_disabled(conn, delivery_id, error)
        return Outcome("failed", error=error)
    if state.locked_until is not None and state.locked_until > state.now:
        # Another attempt holds it (or a killed worker did): look again when its lease ends.
        return Outcome("deferred", at=state.locked_until.timestamp() + rng.uniform(0.1, 1.0))
    if state.next_attempt_at is not None and state.next_attempt_at.timestamp() > now + 1.0:
        return Outcome("skipped")  # not due: the message for when it is due is queued
    at: float | None = None
    if state.backoff_until is not None and state.backoff_until > state.now:
        at = state.backoff_until.timestamp() + rng.uniform(0.0, 1.0)
    elif state.in_flight >= settings.webhook_max_in_flight:
        lease = settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        free_at = state.slot_free_at.timestamp() if state.slot_free_at else now
        slow = now - (free_at - lease) > SLOW_SECONDS
        at = free_at + rng.uniform(0.0, 2.0) if slow else now + rng.uniform(0.02, 0.2)
    if at is None:
        return None
    repo.defer(conn, delivery_id, at)
    return Outcome("deferred", at=at)


def _attempt(
    settings: Settings, state: repo.AttemptState, delivery_id: str, secrets: list[str]
) -> tuple[int | None, float | None, str | None]:
    """(status, Retry-After, error) of one POST; status None when there was no answer."""
    body = state.body.encode()
    try:
        target = urls.resolve(state.url, settings.webhook_allow_private)
        headers = signing.headers(delivery_id, body, secrets, dt.datetime.now(dt.UTC))
        answer = transport.post(target, body, headers, settings.webhook_timeout_seconds)
    except WebhookUrlRefused as exc:
        return None, None, exc.user_message
    except TimeoutError:
        return None, None, f"no answer within {settings.webhook_timeout_seconds:g} s"
    except (OSError, http.client.HTTPException) as exc:
        return None, None, f"{type(exc).__name__}: {exc}"[:200]
    if 300 <= answer.status < 400:
        return answer.status, None, f"redirect ({answer.status}) not followed"
    return (
        answer.status,
        answer.retry_after,
        None if answer.status < 300 else f"HTTP {answer.status}",
    )


def _failed(
    conn: sa.Connection,
    settings: Settings,
    state: repo.AttemptState,
    delivery_id: str,
    attempt: int,
    status: int | None,
    retry_after: float | None,
    error: str | None,
    duration_ms: int,
) -> Outcome:
    """Record a failed attempt; a 410, or failing for too long, disables the endpoint."""
    error = error or f"HTTP {status}"
    gone = status == 410
    delay = None if gone else next_retry(settings, attempt, retry_after)
    now = time.time()
    next_at = None if delay is None else now + delay
    repo.record_failed_attempt(
        conn, delivery_id, status_code=status, error=error, duration_ms=duration_ms, next_at=next_at
    )
    streak = 0.0 if state.failing_since is None else now - state.failing_since.timestamp()
    backoff = max(
        settings.webhook_schedule[0], min(streak / 2, MAX_BACKOFF_SECONDS), retry_after or 0
    )
    failing_for = repo.endpoint_failing(conn, state.endpoint_id, now + backoff)
    disabled = None
    if gone:
        disabled = "410 Gone from the endpoint"
    elif failing_for >= settings.webhook_disable_after_seconds:
        disabled = f"failing for {settings.webhook_disable_after} (last error: {error})"
    if disabled is not None and repo.auto_disable(conn, state.endpoint_id, disabled):
        log.warning(
            "webhook_endpoint_disabled", endpoint_id=str(state.endpoint_id), reason=disabled
        )
    else:
        disabled = None
    kind: Kind = "failed" if next_at is None else "retry"
    return Outcome(kind, at=next_at, status_code=status, error=error, disabled=disabled)

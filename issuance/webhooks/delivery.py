"""One attempt of one delivery, and what comes next: delivered, again at a time, or failed.

The delivery row decides, not the message: a message for a delivery that is
no longer pending, or not yet due, does nothing (duplicates are harmless).
One attempt at a time per delivery (a lease in the row, which a killed worker
lets go when it passes). A backing-off endpoint's delivery is not held in a
worker thread: it is deferred (due later, with a message at that time), so a
failing endpoint delays only its own deliveries; the per-endpoint cap on
attempts in flight is the worker's (``EndpointSlots``).
"""

from __future__ import annotations

import datetime as dt
import http.client
import random
import threading
import time
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.errors import WebhookUrlRefused
from certflow.settings import Settings
from db import webhook_deliveries as repo
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
#: An attempt in flight for longer than this makes its endpoint "slow": the next
#: delivery waits for a slot rather than asking again in a moment.
SLOW_SECONDS = 1.0
#: How long a worker thread waits for a slot of a busy endpoint before deferring.
SLOT_WAIT_SECONDS = 0.05


class EndpointSlots:
    """At most ``cap`` attempts in flight per endpoint in this worker process.

    A thread waits a moment for a slot (a fast endpoint frees one within
    milliseconds); if none frees, the delivery is deferred instead of holding
    the thread, to when the oldest attempt in flight must end when the
    endpoint is slow, or in a moment when it is only busy.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._lock = threading.Condition()
        self._started: dict[UUID, list[float]] = {}

    def acquire(self, endpoint: UUID, wait: float = SLOT_WAIT_SECONDS) -> bool:
        deadline = time.monotonic() + wait
        with self._lock:
            while len(self._started.get(endpoint, ())) >= self.cap:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
            self._started.setdefault(endpoint, []).append(time.monotonic())
        return True

    def release(self, endpoint: UUID) -> None:
        with self._lock:
            started = self._started.get(endpoint, [])
            if started:
                started.pop(0)
            if not started:
                self._started.pop(endpoint, None)
            self._lock.notify_all()

    def retry_in(self, endpoint: UUID, budget: float, rng: random.Random) -> float:
        """Seconds until a busy endpoint is worth asking again."""
        with self._lock:
            oldest = min(self._started.get(endpoint, [time.monotonic()]))
        running = time.monotonic() - oldest
        if running > SLOW_SECONDS:
            return max(0.1, budget - running) + rng.uniform(0.0, 2.0)
        return rng.uniform(0.02, 0.2)


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


def deliver(settings: Settings, engine: sa.Engine, delivery_id: str) -> Outcome:
    """One attempt (or a deferral) of the delivery; its outcome is committed on return."""
    lease = settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
    # ``engine`` commits without waiting for the WAL flush (workers.runtime.webhook_engine):
    # losing the take in a crash loses a lease and an attempt's number; losing the outcome
    # means one more attempt under the same webhook-id (at least once).
    with transaction(engine) as conn:
        taken = repo.try_take(conn, delivery_id, lease)
    if taken is None:
        with transaction(engine) as conn:
            return _not_now(conn, settings, repo.attempt_state(conn, delivery_id), delivery_id)
    started = time.monotonic()
    status, retry_after, error = _attempt(settings, taken, delivery_id)
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction(engine) as conn:
        if status is not None and 200 <= status < 300:
            repo.record_delivered(conn, delivery_id, status, duration_ms)
            age = (taken.now - taken.created_at).total_seconds() + duration_ms / 1000
            return Outcome("delivered", status_code=status, latency_seconds=age)
        attempt = _Attempt(taken, status, retry_after, error or f"HTTP {status}", duration_ms)
        return _failed(conn, settings, delivery_id, attempt)


@dataclass(frozen=True)
class _Attempt:
    taken: repo.Taken
    status: int | None
    retry_after: float | None
    error: str
    duration_ms: int


def _not_now(
    conn: sa.Connection, settings: Settings, state: repo.AttemptState | None, delivery_id: str
) -> Outcome:
    """Why no attempt is made now, and what then: nothing, a deferral, or failed."""
    rng = random.Random()
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
    if state.backoff_until is not None and state.backoff_until > state.now:
        at = state.backoff_until.timestamp() + rng.uniform(0.0, 1.0)
    else:
        at = now + rng.uniform(0.02, 0.2)  # taken and let go meanwhile: again in a moment
    repo.defer(conn, delivery_id, at)
    return Outcome("deferred", at=at)


def _attempt(
    settings: Settings, taken: repo.Taken, delivery_id: str
) -> tuple[int | None, float | None, str | None]:
    """(status, Retry-After, error) of one POST; status None when there was no answer."""
    body = taken.body.encode()
    try:
        target = urls.resolve(taken.url, settings.webhook_allow_private)
        headers = signing.headers(delivery_id, body, taken.secrets, dt.datetime.now(dt.UTC))
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
    conn: sa.Connection, settings: Settings, delivery_id: str, attempt: _Attempt
) -> Outcome:
    """Record a failed attempt; a 410, or failing for too long, disables the endpoint."""
    taken, status, error = attempt.taken, attempt.status, attempt.error
    gone = status == 410
    delay = None if gone else next_retry(settings, taken.attempts, attempt.retry_after)
    now = time.time()
    next_at = None if delay is None else now + delay
    repo.record_failed_attempt(
        conn,
        delivery_id,
        status_code=status,
        error=error,
        duration_ms=attempt.duration_ms,
        next_at=next_at,
    )
    # An endpoint that does not answer, or asks us to wait, backs off as a whole (its
    # other deliveries wait, holding no thread), longer the longer it has been failing.
    # An error answer is the delivery's own: its retry schedule is enough.
    backoff_until = None
    if status is None or status in (429, 503) or attempt.retry_after is not None:
        streak = 0.0 if taken.failing_since is None else now - taken.failing_since.timestamp()
        backoff = max(
            settings.webhook_schedule[0],
            min(streak / 2, MAX_BACKOFF_SECONDS),
            attempt.retry_after or 0,
        )
        backoff_until = now + backoff
    failing_for = repo.endpoint_failing(conn, taken.endpoint_id, backoff_until)
    disabled = None
    if gone:
        disabled = "410 Gone from the endpoint"
    elif failing_for >= settings.webhook_disable_after_seconds:
        disabled = f"failing for {settings.webhook_disable_after} (last error: {error})"
    if disabled is not None and repo.auto_disable(conn, taken.endpoint_id, disabled):
        log.warning(
            "webhook_endpoint_disabled", endpoint_id=str(taken.endpoint_id), reason=disabled
        )
    else:
        disabled = None
    kind: Kind = "failed" if next_at is None else "retry"
    return Outcome(kind, at=next_at, status_code=status, error=error, disabled=disabled)

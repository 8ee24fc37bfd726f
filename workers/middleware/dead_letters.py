"""Record failures an admin must see: permanent ones at once, transient ones
when their retries are exhausted. Redis is transport only, so dead letters
live in Postgres where replay can find them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from dramatiq.middleware import Middleware

from certflow.errors import CertflowError
from db import dead_letters
from db.engine import transaction
from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID, RETRIES
from workers import policy

log = structlog.get_logger("certflow.worker")


class DeadLetters(Middleware):
    """Must come before Retries in the middleware list: after-hooks run in
    reverse, so this one sees whether Retries gave up on the message."""

    def __init__(self, engine: sa.Engine, redeliver_after_ms: int) -> None:
        self.engine = engine
        self.redeliver_after_ms = redeliver_after_ms

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is None or not message.failed:
            return
        letter = _letter(message, exception)
        try:
            with transaction(self.engine) as conn:
                letter_id = dead_letters.record(conn, letter)
        except CertflowError as exc:
            self._keep(broker, message, exc)
            return
        log.error(
            "message_dead_lettered",
            dead_letter_id=letter_id,
            permanent=letter.permanent,
            error_type=letter.error_type,
            reason=letter.reason,
            retries=letter.retries,
        )

    def _keep(self, broker: Any, message: Any, exc: CertflowError) -> None:
        """The letter could not be written (Postgres down): dramatiq would now drop the
        message, so send it back, same id and options, for a later delivery. Its
        retries are spent, so that delivery comes straight back here if it fails."""
        log.error(
            "dead_letter_not_written",
            error=exc.user_message,
            redeliver_after_ms=self.redeliver_after_ms,
        )
        broker.enqueue(message, delay=self.redeliver_after_ms)


def _letter(message: Any, exception: BaseException) -> dead_letters.DeadLetter:
    payload = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
    return dead_letters.DeadLetter(
        actor=message.actor_name,
        queue=message.queue_name,
        message_id=message.message_id,
        idempotency_key=message.options.get(IDEMPOTENCY_KEY),
        enrollment_id=payload.get("enrollment_id"),
        outbox_id=message.options.get(OUTBOX_ID),
        payload=payload,
        error_type=type(policy.cause(exception)).__name__,
        reason=policy.reason(exception),
        permanent=policy.is_permanent(exception),
        retries=int(message.options.get(RETRIES, 0)),
    )

"""Every log line of an actor carries the event, the idempotency key and the enrollment."""

from __future__ import annotations

from typing import Any

import structlog
from dramatiq.middleware import Middleware

from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID

log = structlog.get_logger("certflow.worker")


class LogContext(Middleware):
    def before_process_message(self, broker: Any, message: Any) -> None:
        payload = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            actor=message.actor_name,
            message_id=message.message_id,
            idempotency_key=message.options.get(IDEMPOTENCY_KEY),
            outbox_id=message.options.get(OUTBOX_ID),
            enrollment_id=payload.get("enrollment_id"),
        )

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        structlog.contextvars.clear_contextvars()

    after_skip_message = after_process_message

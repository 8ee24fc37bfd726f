"""Skip a message whose idempotency key this actor already processed.

This is the cheap early exit for redeliveries. The guarantee itself is the
ledger row each actor writes in the same transaction as its effect
(``db.ledger.claim``), so two copies processed at once still have one effect.
"""

from __future__ import annotations

from typing import Any

import structlog
from dramatiq.middleware import Middleware, SkipMessage

from db.engine import wrap_db_errors
from db.ledger import seen
from workers import runtime
from workers.delivery import IDEMPOTENCY_KEY

log = structlog.get_logger("certflow.worker")


class IdempotencyLedger(Middleware):  # type: ignore[misc]
    @property
    def actor_options(self) -> set[str]:
        return {"idempotent"}

    def before_process_message(self, broker: Any, message: Any) -> None:
        actor = broker.get_actor(message.actor_name)
        key = message.options.get(IDEMPOTENCY_KEY)
        if not actor.options.get("idempotent", True) or not key:
            return
        with wrap_db_errors(), runtime.current().engine.connect() as conn:
            already = seen(conn, message.actor_name, key)
        if already:
            log.info("message_skipped_duplicate")
            raise SkipMessage()

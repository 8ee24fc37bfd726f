"""Skip a message whose idempotency key this process already processed.

This is the cheap early exit for redeliveries, kept in memory so the hot path
pays no extra round trip. The guarantee itself is the ledger row each actor
writes in the same transaction as its effect (``db.ledger.claim``, or the SQL
function of a one-statement actor), so copies processed by different processes,
or at the same moment, still have one effect.

An actor that may give its key back (``auto_claim`` after a fixable refusal:
certificates off, no lock address yet) is declared with ``remember_keys=False``:
a key it handled is not final, and the reconciler re-sends that same key once
the admin fixes the cause, so only its ledger row may decide.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import structlog
from dramatiq.middleware import Middleware, SkipMessage

from events.messages import IDEMPOTENCY_KEY

log = structlog.get_logger("certflow.worker")


class IdempotencyLedger(Middleware):
    def __init__(self, remember: int = 100_000) -> None:
        self.remember = remember
        self._done: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def actor_options(self) -> set[str]:
        return {"remember_keys"}

    def _key(self, broker: Any, message: Any) -> tuple[str, str] | None:
        actor = broker.get_actor(message.actor_name)
        key = message.options.get(IDEMPOTENCY_KEY)
        if not actor.options.get("remember_keys", True) or not key:
            return None
        return (message.actor_name, key)

    def before_process_message(self, broker: Any, message: Any) -> None:
        key = self._key(broker, message)
        with self._lock:
            seen = key is not None and key in self._done
        if seen:
            log.info("message_skipped_duplicate")
            raise SkipMessage()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        key = self._key(broker, message)
        if key is None or exception is not None:
            return
        with self._lock:
            self._done[key] = None
            while len(self._done) > self.remember:
                self._done.popitem(last=False)

"""The process's Issuer (web3 clients and transaction sender), built once per runtime."""

from __future__ import annotations

import threading

from dramatiq.middleware import CurrentMessage

from chain.issuance import Issuer
from db import ledger
from db.engine import transaction
from workers import runtime
from workers.delivery import current_delivery

_lock = threading.Lock()
_cached: tuple[runtime.Runtime, Issuer] | None = None


def issuer() -> Issuer:
    """The Issuer for the current runtime (tests swap runtimes; a new one gets a new Issuer)."""
    global _cached  # noqa: PLW0603 - one issuer per process runtime, rebuilt when it changes
    current = runtime.current()
    with _lock:
        if _cached is None or _cached[0] is not current:
            _cached = (current, Issuer.build(current.settings, current.engine))
        return _cached[1]


def retries() -> int:
    """How many times the current message was retried already."""
    message = CurrentMessage.get_current_message()
    return 0 if message is None else int(message.options.get("retries", 0))


def is_final_attempt() -> bool:
    return retries() >= runtime.current().settings.max_retries


def mark_processed() -> None:
    """Record the message's key so a redelivery is skipped early.

    The passes are idempotent by state; this row only saves a redelivery the work.
    """
    delivery = current_delivery()
    with transaction(runtime.current().engine) as conn:
        ledger.claim(conn, delivery.actor, delivery.idempotency_key, delivery.message_id)

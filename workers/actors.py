"""Every actor, declared on a runtime's broker with the one failure policy.

Each actor is a thin shell over one use case: it takes the runtime, the
payload and the delivery (idempotency key, retries), and nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from certflow.errors import RetryLater
from events.messages import Delivery, delivery_of
from events.routes import queue_of
from workers import policy
from workers.achievements import evaluate_achievements
from workers.attest import attest
from workers.claims import auto_claim
from workers.completion import check_completion
from workers.grant_key import grant_key
from workers.render import render_certificate
from workers.retry_attestation import retry_attestation
from workers.runtime import Runtime
from workers.webhooks import deliver_webhook, webhook_fan_out

log = structlog.get_logger(__name__)
Handler = Callable[[Runtime, dict[str, Any], Delivery], None]

HANDLERS: Mapping[str, Handler] = {
    "check_completion": check_completion,
    "auto_claim": auto_claim,
    "grant_key": grant_key,
    "attest": attest,
    "render_certificate": render_certificate,
    "retry_attestation": retry_attestation,
    "evaluate_achievements": evaluate_achievements,
    "webhook_fan_out": webhook_fan_out,
    "deliver_webhook": deliver_webhook,
}

#: Options of one actor on top of the failure policy's. auto_claim gives its ledger
#: key back after a fixable refusal, so the in-memory duplicate skip must not
#: remember its keys (workers/middleware/idempotency.py): the ledger row decides.
#: deliver_webhook's key names the delivery, and every attempt's message carries it.
OPTIONS: Mapping[str, Mapping[str, Any]] = {
    "auto_claim": {"remember_keys": False},
    "deliver_webhook": {"remember_keys": False},
}


def declare_actors(rt: Runtime) -> dict[str, dramatiq.Actor[Any, None]]:
    """Declare every actor on ``rt.broker``, bound to ``rt``."""
    return {
        name: dramatiq.Actor(
            _bind(rt, handler),
            broker=rt.broker,
            actor_name=name,
            queue_name=queue_of(name),
            priority=0,
            options={**policy.ACTOR_OPTIONS, **OPTIONS.get(name, {})},
        )
        for name, handler in HANDLERS.items()
    }


def _bind(rt: Runtime, handler: Handler) -> Callable[[dict[str, Any]], None]:
    @functools.wraps(handler)
    def actor(payload: dict[str, Any]) -> None:
        delivery = delivery_of(CurrentMessage.get_current_message())
        try:
            handler(rt, payload, delivery)
        except RetryLater as exc:
            # Expected (a batch holds the row, a transaction is not final yet): one info
            # line, and dramatiq's Retry, which it retries without logging an error.
            log.info(
                "actor.retry_later",
                actor=handler.__name__,
                reason=exc.user_message,
                error_type=type(exc).__name__,
                retries=delivery.retries,
            )
            raise dramatiq.Retry(exc.user_message) from exc

    return actor

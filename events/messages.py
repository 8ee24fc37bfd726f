"""What a queue message carries besides its payload, and how an actor reads it.

The relay sets these options; middleware and actors read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from certflow.errors import BadEvent

#: Message option names set by the relay.
IDEMPOTENCY_KEY = "idempotency_key"
OUTBOX_ID = "outbox_id"
#: Set by dramatiq's Retries middleware: how often the message was retried already.
RETRIES = "retries"


@dataclass(frozen=True)
class Delivery:
    """One delivery of a message to an actor."""

    actor: str
    message_id: str
    idempotency_key: str
    outbox_id: int | None
    retries: int = 0


def delivery_of(message: Any) -> Delivery:
    """The delivery a dramatiq message describes; BadEvent when it has no idempotency key."""
    key = message.options.get(IDEMPOTENCY_KEY)
    if not key:
        raise BadEvent(f"message {message.message_id} carries no idempotency key")
    return Delivery(
        actor=message.actor_name,
        message_id=message.message_id,
        idempotency_key=key,
        outbox_id=message.options.get(OUTBOX_ID),
        retries=int(message.options.get(RETRIES, 0)),
    )


def event_kind(delivery: Delivery) -> str:
    """The event kind a delivery carries.

    Every outbox idempotency key is ``<kind>:<ids>`` (emit_event's callers
    build it so, and a replay keeps the key), so an actor routed several kinds
    reads the kind from it rather than from the payload's shape.
    """
    kind, sep, _ = delivery.idempotency_key.partition(":")
    if not sep or not kind:
        raise BadEvent(f"idempotency key {delivery.idempotency_key!r} names no event kind")
    return kind

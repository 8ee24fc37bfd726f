"""What an actor knows about the message it is processing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dramatiq.middleware import CurrentMessage

from certflow.errors import BadEvent

#: Message option names set by the relay.
IDEMPOTENCY_KEY = "idempotency_key"
OUTBOX_ID = "outbox_id"


@dataclass(frozen=True)
class Delivery:
    actor: str
    message_id: str
    idempotency_key: str
    outbox_id: int | None


def from_message(message: Any) -> Delivery:
    key = message.options.get(IDEMPOTENCY_KEY)
    if not key:
        raise BadEvent(f"message {message.message_id} carries no idempotency key")
    return Delivery(message.actor_name, message.message_id, key, message.options.get(OUTBOX_ID))


def current_delivery() -> Delivery:
    """The delivery of the message this thread is processing."""
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("current_delivery() called outside a worker")
    return from_message(message)

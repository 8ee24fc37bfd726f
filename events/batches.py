"""Grouping the relay's messages for batched actors into one message per batch.

Each event keeps its own idempotency key inside the batch; the batch
message's own key only names the batch (the in-memory duplicate skip and the
dead letter of a batch that failed as a whole use it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq

from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID
from events.routes import BATCHED

_BATCH_IDS = uuid.UUID("a4c0e4f2-56a9-4c1e-9b71-3f0b8e2d6c55")


def batch_messages(messages: list[dramatiq.Message[Any]], size: int) -> list[dramatiq.Message[Any]]:
    """``messages`` with those for batched actors merged, up to ``size`` events each.

    A size of 1 sends every event in a message of its own (the per-message path).
    """
    if size <= 1:
        return messages
    single = [m for m in messages if m.actor_name not in BATCHED]
    grouped: dict[str, list[dramatiq.Message[Any]]] = {}
    for message in messages:
        if message.actor_name in BATCHED:
            grouped.setdefault(message.actor_name, []).append(message)
    batched = [_batch(chunk) for members in grouped.values() for chunk in _chunks(members, size)]
    return single + batched


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batch(members: list[dramatiq.Message[Any]]) -> dramatiq.Message[Any]:
    first = members[0]
    # From the members' message ids, which are deterministic per outbox event:
    # the same events sent again make the same batch, a replay makes a new one.
    batch_id = str(uuid.uuid5(_BATCH_IDS, "\n".join(m.message_id for m in members)))
    events = [event for m in members for event in _events_of(m)]
    return dramatiq.Message(
        queue_name=first.queue_name,
        actor_name=first.actor_name,
        args=({"events": events},),
        kwargs={},
        options={IDEMPOTENCY_KEY: f"batch:{batch_id}", OUTBOX_ID: None},
        message_id=batch_id,
    )


def _events_of(message: dramatiq.Message[Any]) -> list[dict[str, Any]]:
    """The events a message carries: a replayed dead letter of a whole batch is a batch."""
    payload = message.args[0]
    if isinstance(payload, dict) and isinstance(payload.get("events"), list):
        return list(payload["events"])
    key = message.options[IDEMPOTENCY_KEY]
    return [
        {"kind": _kind(key), "idempotency_key": key,
         "outbox_id": message.options.get(OUTBOX_ID), "payload": payload}
    ]  # fmt: skip


def _kind(key: str) -> str:
    """Every outbox key is ``<kind>:<ids>`` (a replay keeps the original key)."""
    return key.partition(":")[0]

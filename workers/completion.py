"""check_completion: milestones were completed; are the learners' bootcamps done?

The relay sends milestone.completed events in batches ({"events": [...]}), each
event with its own idempotency key; one statement records the keys and applies
the completion rule for the whole batch. A bad event is dead-lettered on its
own and the rest go through. A single event (a replay) is a batch of one.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import structlog

from certflow.errors import BadEvent
from db import completion, dead_letters
from db.engine import transaction
from events.messages import Delivery
from events.routes import queue_of
from events.schemas import BatchedEvent, EventBatch, MilestoneCompleted, parse
from workers.runtime import Runtime

log = structlog.get_logger("certflow.completion")

_LETTER_IDS = uuid.UUID("0b5b8c3e-7d0f-4f4a-a5a2-9c7e1d2f3b64")


def check_completion(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """All of a cohort's milestones completed → enrollment completed, once per enrollment."""
    single = "events" not in payload
    events = (
        [BatchedEvent(kind="milestone.completed", idempotency_key=delivery.idempotency_key,
                      outbox_id=delivery.outbox_id, payload=payload)]
        if single
        else parse(EventBatch, "milestone.completed batch", payload).events
    )  # fmt: skip
    items, bad = _items(events)
    results = (
        completion.handle_milestones_completed(
            rt.engine, delivery.actor, delivery.message_id, items
        )
        if items
        else []
    )
    by_key = {e.idempotency_key: e for e in events}
    bad += [(by_key[r.idempotency_key], _problem(by_key[r.idempotency_key], r)) for r in results
            if r.bad]  # fmt: skip
    if single and bad:
        raise BadEvent(bad[0][1])  # one event: the failure policy dead-letters the message
    _dead_letter(rt, delivery, bad)
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    if single and results:
        structlog.contextvars.bind_contextvars(enrollment_id=results[0].enrollment_id)
    log.info("completion_checked", events=len(events), bad=len(bad), **outcomes)


def _items(
    events: list[BatchedEvent],
) -> tuple[list[completion.BatchItem], list[tuple[BatchedEvent, str]]]:
    items: list[completion.BatchItem] = []
    bad: list[tuple[BatchedEvent, str]] = []
    for event in events:
        try:
            parsed = parse(MilestoneCompleted, "milestone.completed", event.payload)
        except BadEvent as exc:
            bad.append((event, exc.user_message))
            continue
        items.append(
            completion.BatchItem(
                event.idempotency_key, UUID(str(parsed.user_profile_id)), parsed.milestone_id
            )
        )
    return items, bad


def _problem(event: BatchedEvent, result: completion.ItemResult) -> str:
    milestone = event.payload.get("milestone_id")
    if result.outcome == "unknown_milestone":
        return f"milestone {milestone!r} is not a milestone of any cohort"
    return (
        f"user {event.payload.get('user_profile_id')} has no enrollment in cohort"
        f" {result.cohort_id!r} (milestone {milestone!r})"
    )


def _dead_letter(rt: Runtime, delivery: Delivery, bad: list[tuple[BatchedEvent, str]]) -> None:
    """Each bad event of a batch: its own permanent dead letter, replayable on its own."""
    if not bad:
        return
    with transaction(rt.engine) as conn:
        for event, reason in bad:
            letter = dead_letters.DeadLetter(
                actor=delivery.actor,
                queue=queue_of(delivery.actor),
                message_id=str(
                    uuid.uuid5(_LETTER_IDS, f"{delivery.actor}:{event.idempotency_key}")
                ),
                idempotency_key=event.idempotency_key,
                enrollment_id=None,
                outbox_id=event.outbox_id,
                payload=event.payload,
                error_type=BadEvent.__name__,
                reason=reason,
                permanent=True,
                retries=0,
            )
            dead_letters.record(conn, letter)
            log.error("event_dead_lettered", idempotency_key=event.idempotency_key, reason=reason)

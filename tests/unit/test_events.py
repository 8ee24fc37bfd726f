from __future__ import annotations

import pytest

from certflow.errors import BadEvent, PermanentError, TransientError
from db import outbox
from db.queries import parse
from events import schemas
from events.batches import batch_messages
from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID
from events.relay import build_messages
from events.routes import QUEUES, ROUTES, redeliverable

USER = "2b0f4a5e-9c1d-4a57-8f0e-0d3c6b1a2e44"


def test_milestone_payload_is_validated() -> None:
    event = schemas.validate("milestone.completed", {"user_profile_id": USER, "milestone_id": "m1"})
    assert isinstance(event, schemas.MilestoneCompleted)
    with pytest.raises(BadEvent, match="milestone_id: Field required"):
        schemas.validate("milestone.completed", {"user_profile_id": USER})
    with pytest.raises(BadEvent, match="unknown event kind 'x'"):
        schemas.validate("x", {})


def test_bad_events_are_permanent_and_outages_transient() -> None:
    assert BadEvent().transient is False
    assert isinstance(BadEvent(), PermanentError)
    assert TransientError().transient is True
    assert (
        str(BadEvent()) == "An event or message is malformed or refers to rows that do not exist."
    )


def test_relay_message_carries_key_and_outbox_id_and_is_deterministic() -> None:
    event = outbox.OutboxEvent(
        7, "milestone.completed", {"user_profile_id": USER, "milestone_id": "m1"}, "k-7"
    )
    # Also routed to evaluate_achievements; the relay batches both before sending.
    first, _ = build_messages(event)
    again, _ = build_messages(event)
    assert first.actor_name == "check_completion"
    assert first.queue_name == "completion"
    assert first.options == {IDEMPOTENCY_KEY: "k-7", OUTBOX_ID: 7}
    assert first.args == (event.payload,)
    assert first.message_id == again.message_id


def test_a_batched_actor_gets_one_message_for_every_event_of_the_batch() -> None:
    events = [
        outbox.OutboxEvent(
            7 + i,
            "milestone.completed",
            {"user_profile_id": USER, "milestone_id": f"m{i}"},
            f"milestone.completed:{i}",
        )
        for i in range(3)
    ]
    messages = [m for event in events for m in build_messages(event)]
    batches = batch_messages(messages, 200)
    assert sorted(b.actor_name for b in batches) == ["check_completion", "evaluate_achievements"]
    [batch] = [b for b in batches if b.actor_name == "evaluate_achievements"]
    assert batch.queue_name == "achievements"
    assert batch.options[IDEMPOTENCY_KEY] == f"batch:{batch.message_id}"
    assert [e["idempotency_key"] for e in batch.args[0]["events"]] == [
        f"milestone.completed:{i}" for i in range(3)
    ]
    assert batch.args[0]["events"][0] == {
        "kind": "milestone.completed",
        "payload": events[0].payload,
        "idempotency_key": "milestone.completed:0",
        "outbox_id": 7,
    }
    again = batch_messages([m for event in events for m in build_messages(event)], 200)
    assert {b.message_id for b in again} == {b.message_id for b in batches}
    assert batch_messages([], 200) == []


def test_replay_goes_to_the_named_actor_with_the_original_key() -> None:
    event = outbox.OutboxEvent(
        9,
        "replay",
        {
            "actor": "check_completion",
            "payload": {"a": 1},
            "idempotency_key": "orig",
            "outbox_id": 3,
        },
        "replay:1",
    )
    [message] = build_messages(event)
    assert (message.actor_name, message.args, message.options) == (
        "check_completion",
        ({"a": 1},),
        {IDEMPOTENCY_KEY: "orig", OUTBOX_ID: 3},
    )


def test_named_queries_split_into_sections() -> None:
    assert parse("-- name: a\nSELECT 1;\n\n-- name: b\nSELECT 2;\n") == {
        "a": "SELECT 1",
        "b": "SELECT 2",
    }
    with pytest.raises(ValueError, match="defined twice"):
        parse("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")


def test_a_replay_aimed_at_an_unknown_actor_is_a_bad_event() -> None:
    event = outbox.OutboxEvent(
        10, "replay", {"actor": "nope", "payload": {}, "idempotency_key": "k"}, "replay:2"
    )
    with pytest.raises(BadEvent, match="no actor named 'nope'"):
        build_messages(event)


def test_every_routed_actor_has_a_queue() -> None:
    from events.routes import ROUTES

    assert {actor for actors in ROUTES.values() for actor in actors} <= set(QUEUES)


def test_an_event_kind_is_read_from_its_idempotency_key() -> None:
    from events.messages import Delivery, event_kind

    def delivery(key: str) -> Delivery:
        return Delivery("evaluate_achievements", "m1", key, None)

    assert event_kind(delivery("activity.recorded:0b7c")) == "activity.recorded"
    assert event_kind(delivery("milestone.completed:u:m")) == "milestone.completed"
    for bad in ("no-kind-here", ":x"):
        with pytest.raises(BadEvent, match="names no event kind"):
            event_kind(delivery(bad))


def test_the_lost_message_scan_checks_every_actor_of_a_kind_but_auto_claim() -> None:
    """A kind that feeds two actors is scanned for both; auto_claim gives keys back, so
    the reconciler's auto-claim state covers it instead."""
    scanned = {(kind, actor) for kind, actors in redeliverable().items() for actor in actors}
    routed = {(kind, actor) for kind, actors in ROUTES.items() for actor in actors}

    fan_out = {(kind, actor) for kind, actor in routed if actor == "webhook_fan_out"}
    assert routed - scanned == {("enrollment.completed", "auto_claim")} | fan_out
    assert ("milestone.completed", "check_completion") in scanned
    assert ("certificate.key_granted", "attest") in scanned

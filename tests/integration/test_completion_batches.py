"""check_completion takes milestone.completed events in batches: one statement per
batch, each event's key kept, a bad event recorded on its own, a partly-run batch
redelivered without a second effect."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import dramatiq
import sqlalchemy as sa

from db import completion, seed
from events.batches import batch_messages
from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID
from tests.integration.helpers import completion_activities, processed, rows, scalar


def _learners_done(engine: sa.Engine, learners: int) -> tuple[seed.Cohort, list[dict[str, Any]]]:
    """Learners whose one milestone is completed, and the events the trigger wrote."""
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(learners)])
        for user in cohort.learners:
            seed.complete_milestone(conn, user, cohort.milestone_ids[0])
    events = [
        {"idempotency_key": r.idempotency_key, "outbox_id": r.id, "payload": r.payload}
        for r in rows(engine, "SELECT id, idempotency_key, payload FROM event_outbox ORDER BY id")
    ]
    return cohort, events


def _batch(events: list[dict[str, Any]], message_id: str) -> dramatiq.Message[Any]:
    return dramatiq.Message(
        queue_name="completion",
        actor_name="check_completion",
        args=({"events": events},),
        kwargs={},
        options={IDEMPOTENCY_KEY: f"batch:{message_id}", OUTBOX_ID: None},
        message_id=message_id,
    )


def _completed(engine: sa.Engine) -> int:
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM bootcamp_enrollments WHERE enrollment_status = 'completed'",
        )
    )


def test_one_bad_event_is_dead_lettered_and_the_rest_of_the_batch_completes(
    engine: sa.Engine, broker: Any, worker: Any
) -> None:
    cohort, events = _learners_done(engine, 20)
    bad = {
        "idempotency_key": "milestone.completed:x:nope",
        "outbox_id": None,
        "payload": {"user_profile_id": str(next(iter(cohort.learners))), "milestone_id": "nope"},
    }
    malformed = {"idempotency_key": "k-malformed", "outbox_id": None, "payload": {"x": 1}}
    broker.enqueue(_batch([*events[:10], bad, malformed, *events[10:]], "b-1"))
    broker.join("completion", timeout=30_000)
    worker.join()

    assert _completed(engine) == 20
    assert processed(engine) == 20  # the bad events keep no key: a replay after a fix runs
    letters = rows(engine, "SELECT idempotency_key, reason, permanent FROM dead_letters")
    assert sorted((r.idempotency_key, r.permanent) for r in letters) == [
        ("k-malformed", True),
        ("milestone.completed:x:nope", True),
    ]
    reasons = {r.idempotency_key: r.reason for r in letters}
    assert (
        reasons["milestone.completed:x:nope"] == "milestone 'nope' is not a milestone of any cohort"
    )
    assert "user_profile_id: Field required" in reasons["k-malformed"]


def test_a_partly_run_batch_redelivered_completes_each_enrollment_once(
    engine: sa.Engine, runtime: Any, broker: Any, worker: Any
) -> None:
    cohort, events = _learners_done(engine, 30)
    # The first delivery got through a third of its events before the worker died.
    items = [
        completion.BatchItem(
            e["idempotency_key"],
            UUID(e["payload"]["user_profile_id"]),
            e["payload"]["milestone_id"],
        )
        for e in events[:10]
    ]
    completion.handle_milestones_completed(engine, "check_completion", "b-2", items)
    assert _completed(engine) == 10

    broker.enqueue(_batch(events, "b-2"))
    broker.join("completion", timeout=30_000)
    worker.join()

    assert _completed(engine) == 30
    assert processed(engine) == 30
    for enrollment in cohort.learners.values():
        assert len(completion_activities(engine, enrollment)) == 1
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'enrollment.completed'")
        == 30
    )


def test_two_workers_on_overlapping_batches_complete_each_enrollment_once(
    engine: sa.Engine,
) -> None:
    """The same 100 events in two batch calls at once, in opposite orders."""
    cohort, events = _learners_done(engine, 100)
    items = [
        completion.BatchItem(
            e["idempotency_key"],
            UUID(e["payload"]["user_profile_id"]),
            e["payload"]["milestone_id"],
        )
        for e in events
    ]
    results: list[list[completion.ItemResult]] = []
    calls = [items, list(reversed(items))]
    threads = [
        threading.Thread(
            target=lambda batch=batch: results.append(
                completion.handle_milestones_completed(engine, "check_completion", "m", batch)
            )
        )
        for batch in calls
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    outcomes = sorted(r.outcome for result in results for r in result)
    assert outcomes.count("completed") == 100
    assert outcomes.count("duplicate") == 100
    assert _completed(engine) == 100
    assert processed(engine) == 100
    for enrollment in cohort.learners.values():
        assert len(completion_activities(engine, enrollment)) == 1


def test_the_relay_batches_completion_events_and_keeps_other_kinds_one_per_message() -> None:
    def message(actor: str, key: str) -> dramatiq.Message[Any]:
        return dramatiq.Message(
            queue_name="q",
            actor_name=actor,
            args=({"k": key},),
            kwargs={},
            options={IDEMPOTENCY_KEY: key, OUTBOX_ID: 1},
            message_id=f"id-{key}",
        )

    sent = [message("check_completion", f"m{i}") for i in range(5)] + [message("grant_key", "g")]
    batched = batch_messages(sent, 2)

    assert [m.actor_name for m in batched] == ["grant_key", *["check_completion"] * 3]
    sizes = [len(m.args[0]["events"]) for m in batched[1:]]
    assert sizes == [2, 2, 1]
    assert batched[1].args[0]["events"][0] == {
        "kind": "m0",
        "idempotency_key": "m0",
        "outbox_id": 1,
        "payload": {"k": "m0"},
    }
    assert batch_messages(sent, 1) == sent
    assert batch_messages(sent, 2)[1].message_id == batched[1].message_id  # deterministic

"""The evaluate_achievements actor on the real pipeline: outbox → relay → Redis → actor.

Awards happen once whatever the delivery does: replays of the same events,
copies of every message, two workers taking them at the same time.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import dramatiq
import sqlalchemy as sa

from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID
from tests.fixtures.database import wait_until
from tests.integration.achievements import support as s
from tests.integration.helpers import drained, rows, scalar

#: Ten first-time milestones of 100 XP each.
EXPECTED = {"first_milestone", "milestones_5", "milestones_10", "first_try_10", "xp_1000"}


def _message(payload: dict[str, Any], key: str) -> dramatiq.Message[Any]:
    return dramatiq.Message(
        queue_name="achievements",
        actor_name="evaluate_achievements",
        args=(payload,),
        kwargs={},
        options={IDEMPOTENCY_KEY: key, OUTBOX_ID: None},
        message_id=str(uuid.uuid4()),
    )


def _batch(events: list[tuple[dict[str, Any], str]]) -> dramatiq.Message[Any]:
    items = [{"kind": "milestone.completed", "payload": p, "idempotency_key": k} for p, k in events]
    return _message({"events": items}, f"batch:{uuid.uuid4()}")


def _milestone_events(engine: sa.Engine) -> list[tuple[dict[str, Any], str]]:
    return [
        (r.payload, r.idempotency_key)
        for r in rows(
            engine,
            "SELECT payload, idempotency_key FROM event_outbox"
            " WHERE kind = 'milestone.completed' ORDER BY id",
        )
    ]


def test_a_completed_milestone_unlocks_first_steps_through_the_pipeline(
    engine: sa.Engine, relay: Any, worker: Any
) -> None:
    user = s.learner(engine)
    s.complete(engine, user, s.cohort(engine, "c1", milestones=1))

    wait_until(lambda: "first_milestone" in s.unlocked(engine, user))
    [event] = wait_until(
        lambda: rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'achievement.unlocked'")
    )
    assert event.payload["code"] == "first_milestone"
    assert event.payload["user_profile_id"] == str(user)
    wait_until(lambda: drained(engine))  # achievement.unlocked has no actor: dispatched anyway
    assert s.progress(engine, user, "milestones_5") == (1, 5)


def test_replays_copies_and_two_workers_never_award_twice(engine: sa.Engine, runtime: Any) -> None:
    users = [s.learner(engine, name=f"L{i}") for i in range(20)]
    ids = s.cohort(engine, "c1", milestones=10)
    for user in users:
        s.complete(engine, user, ids)
    events = _milestone_events(engine)
    assert len(events) == 200

    broker = runtime.broker
    workers = [
        dramatiq.Worker(broker, queues={"achievements"}, worker_threads=4, worker_timeout=50)
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    try:
        # Every event delivered four times, to either worker: alone, and in batches
        # of 200, 50 and 7 (as the relay would send them, each batch its own message).
        broker.enqueue_many([_message(payload, key) for payload, key in events])
        for size in (200, 50, 7):
            broker.enqueue_many([_batch(events[i : i + size]) for i in range(0, len(events), size)])
        broker.join("achievements", timeout=60_000)
        for w in workers:
            w.join()
    finally:
        for w in workers:
            w.stop(timeout=10_000)

    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0
    assert (
        scalar(engine, "SELECT count(*) FROM processed_messages WHERE actor = :a", a=s.ACTOR) == 200
    )
    for user in users:
        assert s.unlock_events(engine, user) == sorted(EXPECTED)
        assert s.unlocked(engine, user) == EXPECTED
        assert s.progress(engine, user, "milestones_25") == (10, 25)
        assert s.progress(engine, user, "xp_10000") == (1000, 10000)
    awards = rows(
        engine,
        "SELECT user_profile_id, achievement_id, count(*) AS n FROM user_achievements"
        " GROUP BY 1, 2 HAVING count(*) > 1",
    )
    assert awards == []


def test_a_key_grant_event_names_an_enrollment_and_unlocks_program_graduate(
    engine: sa.Engine, runtime: Any, worker: Any
) -> None:
    user = s.learner(engine)
    s.cohort(engine, "c1")
    enrollment = s.enroll(engine, user, "c1")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE bootcamp_enrollments SET certificate_issued = true WHERE id = :e"),
            {"e": enrollment},
        )
    runtime.broker.enqueue(
        _message({"enrollment_id": str(enrollment)}, f"certificate.key_granted:{enrollment}")
    )
    wait_until(lambda: "first_certificate" in s.unlocked(engine, user))


def test_an_event_for_an_unknown_learner_is_dead_lettered_not_dropped(
    engine: sa.Engine, runtime: Any, worker: Any
) -> None:
    ghost = UUID(int=7)
    payload = {"activity_id": str(uuid.uuid4()), "user_profile_id": str(ghost), "kind": "login"}
    runtime.broker.enqueue(_message(payload, f"activity.recorded:{payload['activity_id']}"))
    [letter] = wait_until(lambda: rows(engine, "SELECT * FROM dead_letters"))
    assert (letter.actor, letter.error_type, letter.permanent) == (
        "evaluate_achievements",
        "UnknownUser",
        True,
    )
    assert letter.reason == f"activity.recorded: user {ghost} names no known learner"
    assert scalar(engine, "SELECT count(*) FROM processed_messages") == 0


def test_an_event_kind_the_engine_does_not_take_is_refused(
    engine: sa.Engine, runtime: Any, worker: Any
) -> None:
    runtime.broker.enqueue(_message({"enrollment_id": str(uuid.uuid4())}, "certificate.attested:x"))
    [letter] = wait_until(lambda: rows(engine, "SELECT * FROM dead_letters"))
    assert letter.reason == "evaluate_achievements does not take certificate.attested events"


def test_a_batch_with_an_unknown_learner_awards_the_rest_and_replays_after_the_fix(
    engine: sa.Engine, admin_settings: Any, runtime: Any, worker: Any, relay: Any
) -> None:
    from tests.integration.helpers import replay_dead_letters

    known, ghost = s.learner(engine), UUID(int=99)
    events = [
        ({"activity_id": str(uuid.uuid4()), "user_profile_id": str(u), "kind": "login"}, k)
        for u, k in ((known, "activity.recorded:a1"), (ghost, "activity.recorded:a2"))
    ]
    with engine.begin() as conn:  # the ghost's activity row is missing: only its event exists
        conn.execute(
            sa.text("SELECT record_activity(:u, 'login', '2026-02-02T12:00:00Z')"), {"u": known}
        )
    runtime.broker.enqueue(
        _message(
            {
                "events": [
                    {"kind": "activity.recorded", "payload": p, "idempotency_key": k}
                    for p, k in events
                ]
            },
            "batch:test",
        )
    )
    [letter] = wait_until(lambda: rows(engine, "SELECT * FROM dead_letters"))
    assert letter.reason == f"activity.recorded: user {ghost} names no known learner"
    assert "first_activity" in s.unlocked(engine, known)

    with engine.begin() as conn:  # the admin creates the missing learner
        conn.execute(sa.text("INSERT INTO user_profiles (id) VALUES (:u)"), {"u": ghost})
        conn.execute(
            sa.text("SELECT record_activity(:u, 'login', '2026-02-02T12:00:00Z')"), {"u": ghost}
        )
    assert replay_dead_letters(admin_settings, [letter.id]) == [letter.id]
    replayed = "SELECT count(*) FROM processed_messages WHERE idempotency_key = :k"
    wait_until(lambda: scalar(engine, replayed, k="activity.recorded:a2") == 1)
    assert scalar(engine, replayed, k="activity.recorded:a1") == 1
    assert "first_login" in s.unlocked(engine, ghost)
    assert scalar(engine, "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL") == 0
    assert s.unlock_events(engine, known).count("first_activity") == 1

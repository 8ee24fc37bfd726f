"""The reconciler heals every stuck state from Postgres alone, as the worker LOGIN user.

Stuck states are made the way a lost Redis or a crash leaves them: rows
written behind the pipeline's back, events marked dispatched that no actor
ever recorded. Each test then runs a pass and reads Postgres.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from db import claims, seed
from events.routes import redeliverable
from issuance.operations.reconcile import reconcile_once
from tests.integration.helpers import completion_activities, enrollment_status, rows, scalar

LOCK = "0x" + "44" * 20


@pytest.fixture
def healing(settings: Settings) -> Settings:
    """Heal at once, call a message lost after a minute, keep an hour."""
    return settings.model_copy(
        update={
            "reconcile_after_seconds": 0,
            "redeliver_after_seconds": 60,
            "retention_seconds": 3600,
        }
    )


def _pass(settings: Settings, worker_engine: sa.Engine, *, dry_run: bool = False) -> Any:
    return reconcile_once(settings, worker_engine, redeliverable(), dry_run=dry_run)


def _all_done_behind_the_triggers_back(owner_engine: sa.Engine, learners: int) -> seed.Cohort:
    with owner_engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b1", cohort_id="c1", milestones=2, lock_address=LOCK
        )
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(learners)])
        conn.execute(sa.text("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER"))
        for user in cohort.learners:
            for milestone in cohort.milestone_ids:
                seed.complete_milestone(conn, user, milestone)
        conn.execute(sa.text("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER"))
    return cohort


def _emit(engine: sa.Engine, kind: str, payload: dict[str, Any], key: str, age: str) -> None:
    """An event the relay sent ``age`` ago."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO event_outbox (kind, payload, idempotency_key, dispatched_at)"
                " VALUES (:k, CAST(:p AS jsonb), :key, now() - CAST(:age AS interval))"
            ),
            {"k": kind, "p": json.dumps(payload), "key": key, "age": age},
        )


def _pending(engine: sa.Engine) -> list[str]:
    return [
        r.idempotency_key
        for r in rows(
            engine, "SELECT idempotency_key FROM event_outbox WHERE dispatched_at IS NULL"
        )
    ]


def test_all_milestones_done_but_not_completed_is_completed_once(
    healing: Settings, worker_engine: sa.Engine, owner_engine: sa.Engine, engine: sa.Engine
) -> None:
    cohort = _all_done_behind_the_triggers_back(owner_engine, learners=3)

    dry = _pass(healing, worker_engine, dry_run=True)
    assert dry["completions"] == 3
    assert all(enrollment_status(engine, e) == "active" for e in cohort.learners.values())

    first = _pass(healing, worker_engine)
    second = _pass(healing, worker_engine)

    assert (first["completions"], second["completions"]) == (3, 0)
    for enrollment in cohort.learners.values():
        assert enrollment_status(engine, enrollment) == "completed"
        assert len(completion_activities(engine, enrollment)) == 1
    assert sorted(_pending(engine)) == sorted(
        f"enrollment.completed:{e}" for e in cohort.learners.values()
    )
    assert first["chain"] == "skipped: no chain configured"
    assert first["not_done"] == {}


def _completed_unclaimed(engine: sa.Engine, lock: str | None = LOCK) -> UUID:
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b2", cohort_id="c2", milestones=1, lock_address=lock
        )
        [enrollment] = seed.enroll_learners(conn, cohort, ["Ada"], ["0x" + "12" * 20]).values()
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": enrollment},
        )
    return UUID(str(enrollment))


def _flags(engine: sa.Engine, settings: Settings, *, on: bool) -> None:
    flags = {"bootcamp_certificates_enabled": on, "auto_claim": on}
    with engine.begin() as conn:
        claims.sync_flags(conn, settings.model_copy(update=flags))


def test_completed_with_auto_claim_on_but_never_claimed_is_sent_again(
    healing: Settings, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    enrollment = _completed_unclaimed(engine)
    _emit(engine, "enrollment.completed", {}, f"enrollment.completed:{enrollment}", "1 hour")

    _flags(engine, healing, on=False)
    assert _pass(healing, worker_engine)["auto_claims"] == 0  # off: nothing to claim
    _flags(engine, healing, on=True)
    healed = _pass(healing, worker_engine)

    assert healed["auto_claims"] == 1
    assert _pending(engine) == [f"enrollment.completed:{enrollment}"]  # same key, sent again
    assert _pass(healing, worker_engine)["auto_claims"] == 0  # not sent again until it is old


def test_a_bootcamp_without_a_lock_is_not_claimed_again_and_again(
    healing: Settings, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    _completed_unclaimed(engine, lock=None)
    _flags(engine, healing, on=True)
    assert _pass(healing, worker_engine)["auto_claims"] == 0


def test_an_event_no_actor_recorded_is_sent_again_with_its_key(
    healing: Settings, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    # certificate.attested goes to one actor only (render_certificate).
    payload = {"enrollment_id": "00000000-0000-0000-0000-000000000001"}
    _emit(engine, "certificate.attested", payload, "lost", "10 minutes")
    _emit(engine, "certificate.attested", payload, "recorded", "10 minutes")
    _emit(engine, "certificate.attested", payload, "dead", "10 minutes")
    _emit(engine, "certificate.attested", payload, "recent", "10 seconds")
    _emit(engine, "certificate.attested", payload, "ancient", "50 minutes")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO processed_messages (actor, idempotency_key)"
                " VALUES ('render_certificate', 'recorded');"
                " INSERT INTO dead_letters (actor, queue, message_id, idempotency_key, payload,"
                " error_type, reason, permanent) VALUES ('render_certificate', 'render', 'm',"
                " 'dead', '{}', 'BadEvent', 'bad', true)"
            )
        )

    assert _pass(healing, worker_engine, dry_run=True)["lost_messages"] == 1
    assert _pending(engine) == []
    assert _pass(healing, worker_engine)["lost_messages"] == 1
    assert _pending(engine) == ["lost"]


def test_attested_or_given_up_without_a_current_pdf_is_rendered_again(
    healing: Settings, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    attested = _completed_unclaimed(engine)
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b3", cohort_id="c3", milestones=1)
        failed, dead = seed.enroll_learners(conn, cohort, ["F", "D"]).values()
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_issued = true,"
                " certificate_tx_hash = '0x01', updated_at = now() - interval '1 minute',"
                " certificate_attestation_uid = CASE WHEN id = :f THEN NULL ELSE '0xa1' END,"
                " certificate_attestation_failed_at = CASE WHEN id = :f THEN now() END"
                " WHERE id IN (:a, :f, :d)"
            ),
            {"a": attested, "f": failed, "d": dead},
        )
        conn.execute(
            sa.text(
                "INSERT INTO dead_letters (actor, queue, message_id, enrollment_id, payload,"
                " error_type, reason, permanent) VALUES ('render_certificate', 'render', 'm',"
                " :d, '{}', 'RenderError', 'bad', true)"
            ),
            {"d": dead},
        )

    assert _pass(healing, worker_engine)["renders"] == 2
    pending = sorted(_pending(engine))
    assert pending[0].startswith(f"certificate.attestation_failed:{failed}:reconcile:")
    assert pending[1] == f"certificate.attested:{attested}"


def test_retention_prunes_old_events_and_keys_in_bounded_batches(
    healing: Settings, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    for i in range(5):
        _emit(engine, "certificate.key_granted", {}, f"old-{i}", "2 hours")
    _emit(engine, "certificate.key_granted", {}, "young", "30 minutes")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO processed_messages (actor, idempotency_key, processed_at)"
                " SELECT 'attest', k, now() - interval '2 hours'"
                " FROM unnest(ARRAY['old-0', 'old-1', 'replayable']) k;"
                " INSERT INTO dead_letters (actor, queue, message_id, idempotency_key, payload,"
                " error_type, reason, permanent) VALUES ('attest', 'chain', 'm', 'replayable',"
                " '{}', 'ChainUnavailable', 'down', false)"
            )
        )
    bounded = healing.model_copy(update={"prune_batch": 2, "prune_max_batches": 2})

    first = _pass(bounded, worker_engine)
    second = _pass(bounded, worker_engine)

    assert (first["pruned_outbox"], second["pruned_outbox"]) == (4, 1)
    assert (first["pruned_ledger"], second["pruned_ledger"]) == (2, 0)
    assert [r.idempotency_key for r in rows(engine, "SELECT * FROM event_outbox")] == ["young"]
    assert scalar(engine, "SELECT array_agg(idempotency_key) FROM processed_messages") == [
        "replayable"
    ]


def test_chain_unreachable_heals_the_rest_and_reports_the_chain_part_not_done(
    healing: Settings, worker_engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    _all_done_behind_the_triggers_back(owner_engine, learners=2)
    unreachable = healing.model_copy(
        update={
            "rpc_url": "http://127.0.0.1:9",
            "rpc_timeout_seconds": 2,
            "signer_private_key": "0x" + "11" * 32,
            "eas_contract_address": "0x" + "22" * 20,
            "bootcamp_completion_schema_uid": "0x" + "33" * 32,
        }
    )
    report = _pass(unreachable, worker_engine)

    assert report["completions"] == 2
    assert set(report["not_done"]) == {"chain"}
    assert report["chain"].startswith("not done: ")


def test_a_refused_auto_claim_keeps_its_key_free_and_claims_after_the_fix(
    healing: Settings, runtime: Any, engine: sa.Engine
) -> None:
    """Flag off, then lock missing: fixable refusals leave no ledger key, so the same
    message claims once both are fixed."""
    from events.messages import Delivery
    from workers.claims import auto_claim

    enrollment = _completed_unclaimed(engine, lock=None)
    key = f"enrollment.completed:{enrollment}"
    payload = {"enrollment_id": str(enrollment), "user_profile_id": str(enrollment)}
    delivery = Delivery("auto_claim", "m1", key, None)

    _flags(engine, healing, on=False)
    auto_claim(runtime, payload, delivery)
    _flags(engine, healing, on=True)
    auto_claim(runtime, payload, delivery)  # no lock address yet
    refused = scalar(engine, "SELECT count(*) FROM processed_messages")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE bootcamp_programs SET lock_address = :l"), {"l": LOCK})
    auto_claim(runtime, payload, delivery)

    assert refused == 0
    assert scalar(engine, "SELECT count(*) FROM processed_messages") == 1
    claimed = scalar(
        engine, "SELECT certificate_claim_id FROM bootcamp_enrollments WHERE id = :e", e=enrollment
    )
    assert claimed is not None

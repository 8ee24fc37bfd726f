"""The claim: the source's checks in order, one atomic TTL lock, one event per attempt."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import sqlalchemy as sa

from certflow.settings import Settings
from db import claims
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import rows, scalar


def _claim_events(engine: sa.Engine) -> list[sa.Row[object]]:
    return rows(
        engine,
        "SELECT payload, idempotency_key FROM event_outbox"
        " WHERE kind = 'certificate.claim_requested' ORDER BY id",
    )


def test_checks_run_in_the_source_order_with_its_messages(
    engine: sa.Engine, settings: Settings, completed_learners: Learners
) -> None:
    """Feature flag, enrollment, completion, lock; nothing is written for a refusal."""
    [active] = completed_learners(completed=False, lock_address=None)
    [no_lock] = completed_learners(lock_address=None)

    # The flags row starts off: the app's SQL path refuses before anything else.
    assert claim(engine, uuid.uuid4())["error"] == "Certificate feature not enabled."
    with engine.begin() as conn:
        claims.sync_flags(conn, settings)

    assert claim(engine, uuid.uuid4())["error"] == "Enrollment not found"
    assert claim(engine, active)["error"] == "Complete all milestones to claim certificate."
    assert claim(engine, no_lock)["error"] == (
        "Certificate not configured yet - please try again later or contact support."
    )
    assert _claim_events(engine) == []
    assert enrollment(engine, no_lock).certificate_claim_in_progress is False


def test_python_path_reads_the_flag_from_settings(
    engine: sa.Engine, settings: Settings, completed_learners: Learners
) -> None:
    [enrollment_id] = completed_learners()
    disabled = settings.model_copy(update={"bootcamp_certificates_enabled": False})

    with engine.begin() as conn:
        refused = claims.request_claim(conn, disabled, enrollment_id)
        accepted = claims.request_claim(conn, settings, enrollment_id)

    assert refused == {
        "success": False,
        "code": "disabled",
        "error": "Certificate feature not enabled.",
    }
    assert accepted["success"] is True
    [event] = _claim_events(engine)
    assert event.payload == {"enrollment_id": str(enrollment_id), "claim_id": accepted["claimId"]}
    assert event.idempotency_key == (
        f"certificate.claim_requested:{enrollment_id}:{accepted['claimId']}"
    )


def test_second_claim_is_refused_while_the_first_is_in_progress(
    engine: sa.Engine, flags_on: None, completed_learners: Learners
) -> None:
    [enrollment_id] = completed_learners()

    first = claim(engine, enrollment_id)
    second = claim(engine, enrollment_id)

    assert first["success"] is True
    assert second == {
        "success": False,
        "code": "in_progress",
        "error": "Certificate claim already in progress. If stuck for more than 5 minutes,"
        " try again.",
    }
    row = enrollment(engine, enrollment_id)
    assert row.certificate_claim_in_progress is True
    assert isinstance(row.certificate_claim_started_at, datetime)
    assert str(row.certificate_claim_id) == first["claimId"]
    assert len(_claim_events(engine)) == 1


def test_lock_taken_3_minutes_ago_blocks_and_6_minutes_ago_is_taken_over(
    engine: sa.Engine, flags_on: None, completed_learners: Learners
) -> None:
    [enrollment_id] = completed_learners()
    first = claim(engine, enrollment_id)

    def age_lock(minutes: int) -> None:
        with engine.begin() as conn:
            # updated_at is touched too, to prove the TTL does not read it.
            conn.execute(
                sa.text(
                    "UPDATE bootcamp_enrollments SET certificate_claim_started_at ="
                    " now() - make_interval(mins => :m) WHERE id = :id"
                ),
                {"m": minutes, "id": enrollment_id},
            )

    age_lock(3)
    blocked = claim(engine, enrollment_id)
    age_lock(6)
    taken_over = claim(engine, enrollment_id)

    assert blocked["code"] == "in_progress"
    assert taken_over["success"] is True
    assert taken_over["claimId"] != first["claimId"]
    keys = [e.idempotency_key for e in _claim_events(engine)]
    assert len(keys) == 2
    assert len(set(keys)) == 2  # a retry is a new event, not swallowed by the first's key


def test_fifty_simultaneous_claims_take_the_lock_once(
    engine: sa.Engine, database_url: str, flags_on: None, completed_learners: Learners
) -> None:
    [enrollment_id] = completed_learners()
    barrier = threading.Barrier(50)
    results: list[dict[str, object]] = []

    def click() -> None:
        barrier.wait()
        results.append(claim(engine, enrollment_id))

    threads = [threading.Thread(target=click) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(1 for r in results if r["success"]) == 1
    assert sum(1 for r in results if r.get("code") == "in_progress") == 49
    assert len(_claim_events(engine)) == 1


def test_status_is_the_source_completion_status_json(
    engine: sa.Engine, flags_on: None, completed_learners: Learners, lock: str
) -> None:
    [enrollment_id] = completed_learners()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_issued = true,"
                " certificate_issued_at = now(), certificate_tx_hash = '0xabc',"
                " certificate_last_error = :m, certificate_attestation_failed_at = now()"
                " WHERE id = :id"
            ),
            {
                "id": enrollment_id,
                "m": "Certificate issued successfully. Attestation pending"
                " - retry available on your dashboard.",
            },
        )
        status = claims.status(conn, enrollment_id)
        missing = claims.status(conn, uuid.uuid4())

    assert status is not None
    assert set(status) == {"isCompleted", "completionDate", "certificate", "lockAddress"}
    assert status["isCompleted"] is True
    assert status["lockAddress"] == lock
    assert datetime.fromisoformat(status["completionDate"])
    cert = status["certificate"]
    assert cert["issued"] is True
    assert cert["txHash"] == "0xabc"
    assert cert["attestationUid"] is None
    assert cert["canRetryAttestation"] is True
    assert cert["lastError"].startswith("Certificate issued successfully.")
    assert datetime.fromisoformat(cert["issuedAt"])
    assert missing is None
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 0


def test_attestation_values_come_from_the_enrollment_cohort_and_key(
    engine: sa.Engine, completed_learners: Learners
) -> None:
    """completionDate in unix seconds (truncated), totalXpEarned the cohort's milestone XP."""
    from db import records
    from issuance.certificates.records import completion_attestation

    [enrollment_id] = completed_learners()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET completion_date ="
                " '2025-01-01 00:00:00.9+00', certificate_tx_hash = '0xfeed' WHERE id = :id"
            ),
            {"id": enrollment_id},
        )
        [record] = records.records(conn, [enrollment_id])
    member = completion_attestation(record)

    assert member.completion_date == 1_735_689_600
    assert member.total_xp_earned == 3 * 150
    assert member.certificate_tx_hash == "0xfeed"
    assert member.cohort_name.startswith("Cohort ")
    assert member.bootcamp_title == "Web3 Foundations"
    assert member.user_address == enrollment(engine, enrollment_id).wallet_address

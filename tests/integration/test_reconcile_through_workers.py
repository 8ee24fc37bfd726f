"""The reconciler's re-sends reach the actors through the real worker stack.

The relay, a dramatiq worker with certflow's own middleware (the in-memory
duplicate skip included) on real Redis, and one reconcile pass: what an
operator runs, with no worker restart in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import dramatiq
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from certflow.settings import Settings
from cli.main import main
from db import claims, seed
from events.routes import redeliverable
from issuance.operations.reconcile import reconcile_once
from tests.fixtures.database import clear_queues, wait_until
from tests.integration.helpers import (
    completion_activities,
    drained,
    enrollment_status,
    processed_events,
    rows,
    scalar,
    sent_long_ago,
    worker_process,
)

LOCK = "0x" + "44" * 20


@pytest.fixture
def healing(settings: Settings) -> Settings:
    """Heal at once; a message counts as lost a minute after it was sent."""
    return settings.model_copy(
        update={
            "reconcile_after_seconds": 0,
            "redeliver_after_seconds": 60,
            "retention_seconds": 3600,
        }
    )


@pytest.fixture
def completion_worker(settings: Settings, relay: Any) -> Iterator[dramatiq.Worker]:
    """One worker process for completions and achievements, never restarted."""
    with worker_process(settings, "completion", "achievements") as worker:
        yield worker


def _settled(engine: sa.Engine, broker: Any, worker: dramatiq.Worker) -> None:
    """Everything in the outbox sent and every message of the worker's queues processed."""
    wait_until(lambda: drained(engine))
    for queue in ("completion", "achievements"):
        broker.join(queue, timeout=30_000)
    worker.join()


def _claimed(engine: sa.Engine, enrollments: list[UUID]) -> list[UUID]:
    return [
        r.id
        for r in rows(
            engine,
            "SELECT id FROM bootcamp_enrollments"
            " WHERE id = ANY(:ids) AND certificate_claim_id IS NOT NULL",
            ids=enrollments,
        )
    ]


def _turn_certificates_on(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the admin runs: `certflow flags set --certificates on`."""
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    result = CliRunner().invoke(main, ["flags", "set", "--certificates", "on", "--json"])
    assert result.exit_code == 0, result.output


def test_auto_claims_refused_while_certificates_were_off_claim_after_the_admin_turns_them_on(
    healing: Settings,
    engine: sa.Engine,
    worker_engine: sa.Engine,
    admin_database_url: str,
    broker: Any,
    relay: Any,
    completion_worker: dramatiq.Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AUTO_CLAIM on, certificates off: each automatic claim is refused and gives its key
    back. The admin turns certificates on, one reconcile pass re-sends the same keys, and
    the worker that saw the refusals claims every enrollment without a restart."""
    with engine.begin() as conn:
        claims.set_flags(conn, enabled=False, auto_claim=True)
        cohort = seed.create_cohort(
            conn, bootcamp_id="b", cohort_id="c", milestones=2, lock_address=LOCK
        )
        seed.enroll_learners(conn, cohort, ["Ada", "Grace", "Linus"])
        for user in cohort.learners:
            for milestone in cohort.milestone_ids:
                seed.complete_milestone(conn, user, milestone)
    enrollments = list(cohort.learners.values())
    wait_until(
        lambda: (
            scalar(
                engine,
                "SELECT count(*) FROM event_outbox WHERE kind = 'enrollment.completed'"
                " AND dispatched_at IS NOT NULL",
            )
            == len(enrollments)
        )
    )
    _settled(engine, broker, completion_worker)
    assert _claimed(engine, enrollments) == []
    assert scalar(engine, "SELECT count(*) FROM processed_messages WHERE actor = 'auto_claim'") == 0

    _turn_certificates_on(admin_database_url, monkeypatch)
    report = reconcile_once(healing, worker_engine, redeliverable())

    assert report["auto_claims"] == len(enrollments)
    wait_until(lambda: len(_claimed(engine, enrollments)) == len(enrollments), timeout=20)
    assert sorted(_claimed(engine, enrollments)) == sorted(enrollments)
    assert scalar(
        engine, "SELECT count(*) FROM event_outbox WHERE kind = 'certificate.claim_requested'"
    ) == len(enrollments)


def test_a_check_completion_message_lost_with_redis_is_sent_again_and_processed(
    healing: Settings,
    engine: sa.Engine,
    owner_engine: sa.Engine,
    worker_engine: sa.Engine,
    redis_url: str,
    broker: Any,
    relay: Any,
) -> None:
    """milestone.completed feeds check_completion and evaluate_achievements. Only the
    check_completion copy is lost: the scan checks that actor's ledger too and sends the
    event again, which check_completion then records."""
    with worker_process(healing, "achievements"):
        with engine.begin() as conn:
            cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id="c", milestones=2)
            ((user, enrollment),) = seed.enroll_learners(conn, cohort, ["Ada"]).items()
            for milestone in cohort.milestone_ids:
                seed.complete_milestone(conn, user, milestone)
        wait_until(
            lambda: processed_events(engine, "evaluate_achievements", "milestone.completed") == 2
        )
    clear_queues(redis_url, broker.namespace)  # Redis loses check_completion's message
    sent_long_ago(owner_engine, "milestone.completed")
    assert processed_events(engine, "check_completion", "milestone.completed") == 0

    with worker_process(healing, "completion", "achievements"):
        report = reconcile_once(healing, worker_engine, redeliverable())
        assert report["lost_messages"] == 2
        wait_until(lambda: processed_events(engine, "check_completion", "milestone.completed") == 2)

    assert enrollment_status(engine, enrollment) == "completed"
    assert len(completion_activities(engine, enrollment)) == 1
    assert processed_events(engine, "evaluate_achievements", "milestone.completed") == 2

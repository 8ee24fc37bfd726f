"""An attest message lost with Redis is found by the reconciler's scan and attested.

certificate.key_granted feeds two actors, attest and evaluate_achievements; the
achievements copy is processed, the attest copy is lost. One reconcile pass
(its chain part set to heal nothing on its own) sends the event again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from certflow.settings import Settings
from events.routes import redeliverable
from issuance.certificates.grants import grant_for
from issuance.operations.reconcile import reconcile_once
from tests.fixtures.database import clear_queues, wait_until
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import processed_events, sent_long_ago, worker_process


def test_an_attest_message_lost_with_redis_is_sent_again_and_the_learner_attested(
    settings: Settings,
    engine: sa.Engine,
    owner_engine: sa.Engine,
    worker_engine: sa.Engine,
    redis_url: str,
    runtime: Any,
    relay: Any,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    # Only the lost-message scan may heal: stuck attestations are an hour away.
    healing = settings.model_copy(
        update={
            "reconcile_after_seconds": 3600,
            "redeliver_after_seconds": 60,
            "retention_seconds": 3600,
        }
    )
    [enrollment_id] = completed_learners()
    assert claim(engine, enrollment_id)["success"] is True
    with worker_process(healing, "achievements"):
        grant_for(runtime.issuer, enrollment_id)  # what grant_key does
        wait_until(
            lambda: processed_events(engine, "evaluate_achievements", "certificate.key_granted")
        )
    clear_queues(redis_url, runtime.broker.namespace)  # Redis loses the attest message
    sent_long_ago(owner_engine, "certificate.key_granted")
    assert enrollment(engine, enrollment_id).certificate_issued is True

    with worker_process(healing, "chain", "achievements"):
        report = reconcile_once(healing, worker_engine, redeliverable())
        assert report["lost_messages"] == 1
        row = wait_until(
            lambda: enrollment(engine, enrollment_id).certificate_attestation_uid, timeout=60
        )

    assert row.startswith("0x")
    assert processed_events(engine, "attest", "certificate.key_granted") == 1

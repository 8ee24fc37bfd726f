"""A learner's attestation retry (POST /api/v1/certificates/retry-attestation) as the chain
workers carry it out: the SQL request writes one event per attempt, the retry_attestation
actor attests once, and asking again finds the attestation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from web3 import Web3

from certflow.errors import AttestationFailed
from certflow.settings import Settings
from chain.attestation import attested_events
from chain.deploy import DevDeployment
from chain.transactions import Signer
from events.messages import Delivery
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.fixtures.tenancy import act_as
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import rows
from workers.retry_attestation import retry_attestation


def _request(api_engine: sa.Engine, engine: sa.Engine, enrollment_id: UUID) -> dict[str, Any]:
    """What the API runs for the learner: as its login, the learner role, the community
    and the learner named after the token was verified (tests/fixtures/tenancy.py)."""
    with engine.begin() as conn:
        learner = conn.execute(
            sa.text("SELECT user_profile_id FROM bootcamp_enrollments WHERE id = :id"),
            {"id": enrollment_id},
        ).scalar_one()
    with api_engine.begin() as conn:
        act_as(conn, "certflow_learner", "default", learner)
        result = conn.execute(
            sa.text("SELECT request_attestation_retry(:id)"), {"id": enrollment_id}
        ).scalar_one()
    return dict(result)


def test_a_learners_retry_is_attested_once_by_the_actor(
    engine: sa.Engine,
    api_engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    signer: Signer,
    runtime: Any,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    broken = Issuer.build(
        settings.model_copy(update={"bootcamp_completion_schema_uid": "0x" + "12" * 32}), engine
    )
    [enrollment_id] = completed_learners()
    claim(engine, enrollment_id)
    grant_for(issuer, enrollment_id)
    with pytest.raises(AttestationFailed):
        attest_for(broken, enrollment_id)

    first = _request(api_engine, engine, enrollment_id)
    second = _request(api_engine, engine, enrollment_id)
    [event] = rows(
        engine,
        "SELECT payload, idempotency_key FROM event_outbox"
        " WHERE kind = 'certificate.attestation_retry_requested'",
    )
    delivery = Delivery("retry_attestation", "m-1", event.idempotency_key, None)
    retry_attestation(runtime, dict(event.payload), delivery)
    retry_attestation(runtime, dict(event.payload), delivery)  # a redelivery
    after = _request(api_engine, engine, enrollment_id)

    assert first == second == {"success": True, "found": False, "retryRequested": True}
    uid = enrollment(engine, enrollment_id).certificate_attestation_uid
    assert uid is not None
    assert after == {"success": True, "found": True, "attestationUid": uid}
    made = attested_events(
        w3,
        dev_deployment.eas_contract_address,
        schema=dev_deployment.bootcamp_completion_schema_uid,
        attester=signer.address,
        recipient=str(enrollment(engine, enrollment_id).wallet_address),
    )
    assert [e.uid for e in made] == [uid]

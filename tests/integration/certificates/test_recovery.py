"""Crashes between the chain and the database heal without a second key or attestation."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from web3 import Web3

from certflow.settings import Settings
from chain.attestation import attested_events
from chain.deploy import DevDeployment
from chain.lock import grant_keys_calldata, has_valid_key
from chain.transactions import Signer
from db import grants
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.integration.certificates.conftest import Learners, claim, enrollment, transfers_to
from tests.integration.helpers import scalar


def _crashed_grant(
    engine: sa.Engine, issuer: Issuer, enrollment_id: UUID, lock: str, *, broadcast: bool
) -> str:
    """What a grant_key run leaves when it dies after committing the signed grant
    (and, with ``broadcast``, after it was mined) but before recording the key."""
    batch = "grant_keys:crashed-run"
    with engine.begin() as conn:
        [member] = grants.assign_grant_batch(conn, enrollment_id, lock, batch, 10) or []
    data = grant_keys_calldata([member.wallet], issuer.key_manager)
    tx = issuer.sender.prepare("grant_keys", batch, lock, data)
    if broadcast:
        issuer.sender.complete(tx)
    return tx.tx_hash


def test_key_mined_but_not_recorded_is_recorded_with_its_hash_not_granted_again(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address
    claim(engine, enrollment_id)
    tx_hash = _crashed_grant(engine, issuer, enrollment_id, lock, broadcast=True)
    assert enrollment(engine, enrollment_id).certificate_issued is False

    result = grant_for(issuer, enrollment_id, take_over=True)  # the redelivered message

    row = enrollment(engine, enrollment_id)
    assert result.recorded == 1
    assert row.certificate_issued is True
    assert row.certificate_tx_hash == tx_hash
    assert len(transfers_to(w3, lock, wallet)) == 1
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 1
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'certificate.key_granted'")
        == 1
    )


def test_grant_signed_but_never_broadcast_is_sent_once_by_the_next_run(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address
    claim(engine, enrollment_id)
    tx_hash = _crashed_grant(engine, issuer, enrollment_id, lock, broadcast=False)
    assert has_valid_key(w3, lock, wallet) is False

    grant_for(issuer, enrollment_id, take_over=True)

    assert enrollment(engine, enrollment_id).certificate_tx_hash == tx_hash
    assert len(transfers_to(w3, lock, wallet)) == 1


def test_key_on_chain_that_the_database_lost_is_reconciled_with_the_real_hash(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    """The source's checkExistingKey, with the real transaction instead of a placeholder."""
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address
    earlier = issuer.sender.send(
        "grant_keys", "an-earlier-system", lock, grant_keys_calldata([wallet], issuer.key_manager)
    )
    claim(engine, enrollment_id)

    result = grant_for(issuer, enrollment_id)

    assert result.recorded == 0  # nothing granted by this run
    row = enrollment(engine, enrollment_id)
    assert row.certificate_issued is True
    assert row.certificate_tx_hash == earlier.tx_hash
    assert len(transfers_to(w3, lock, wallet)) == 1
    assert (
        scalar(engine, "SELECT count(*) FROM chain_transactions WHERE intent = 'grant_keys'") == 1
    )


def test_reconciler_heals_a_crashed_grant_and_a_missing_attestation_on_its_own(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    signer: Signer,
    settings: Settings,
    dev_deployment: DevDeployment,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    from issuance.operations.reconcile import reconcile_chain

    issuer = Issuer.build(
        settings.model_copy(update={"reconcile_after_seconds": 60, "batch_stale_seconds": 60}),
        engine,
    )
    crashed, unattested = completed_learners(2)
    claim(engine, unattested)
    grant_for(issuer, unattested)  # issued; its key_granted message was lost with Redis
    claim(engine, crashed)
    tx_hash = _crashed_grant(engine, issuer, crashed, lock, broadcast=True)
    with engine.begin() as conn:  # both are now older than a pass should take
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_claim_started_at = now() - interval"
                " '3 minutes', certificate_grant_batch_at = now() - interval '3 minutes',"
                " certificate_issued_at = now() - interval '3 minutes'"
            )
        )

    first = reconcile_chain(issuer)
    second = reconcile_chain(issuer)

    assert first["claims_healed"] == 1
    assert first["attestations_healed"] >= 1
    assert second["claims"] == 0
    assert second["attestations"] == 0
    crashed_row = enrollment(engine, crashed)
    assert crashed_row.certificate_tx_hash == tx_hash
    for enrollment_id in (crashed, unattested):
        row = enrollment(engine, enrollment_id)
        assert row.certificate_issued is True
        assert row.certificate_attestation_uid is not None
        assert len(transfers_to(w3, lock, row.wallet_address)) == 1
        assert (
            len(
                attested_events(
                    w3,
                    dev_deployment.eas_contract_address,
                    schema=dev_deployment.bootcamp_completion_schema_uid,
                    attester=signer.address,
                    recipient=row.wallet_address,
                )
            )
            == 1
        )


def test_attestation_mined_but_not_recorded_is_found_not_made_again(
    engine: sa.Engine,
    w3: Web3,
    issuer: Issuer,
    signer: Signer,
    dev_deployment: DevDeployment,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    [enrollment_id] = completed_learners()
    claim(engine, enrollment_id)
    grant_for(issuer, enrollment_id)
    first = attest_for(issuer, enrollment_id)
    uid = enrollment(engine, enrollment_id).certificate_attestation_uid
    with engine.begin() as conn:  # the recording is lost
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_attestation_uid = NULL,"
                " certificate_attest_batch = NULL WHERE id = :id"
            ),
            {"id": enrollment_id},
        )

    again = attest_for(issuer, enrollment_id)

    assert first.recorded == 1
    assert again.recorded == 0
    assert enrollment(engine, enrollment_id).certificate_attestation_uid == uid
    wallet = enrollment(engine, enrollment_id).wallet_address
    assert (
        len(
            attested_events(
                w3,
                dev_deployment.eas_contract_address,
                schema=dev_deployment.bootcamp_completion_schema_uid,
                attester=signer.address,
                recipient=wallet,
            )
        )
        == 1
    )


def test_batch_lookup_finds_each_existing_attestation_by_learner_and_cohort(
    engine: sa.Engine,
    w3: Web3,
    issuer: Issuer,
    signer: Signer,
    dev_deployment: DevDeployment,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    from chain.attestation import find_attestations

    attested, waiting = completed_learners(2)
    claim(engine, attested)
    grant_for(issuer, attested)
    attest_for(issuer, attested)
    claim(engine, waiting)
    grant_for(issuer, waiting)
    rows_ = {e: enrollment(engine, e) for e in (attested, waiting)}

    found = find_attestations(
        w3,
        dev_deployment.eas_contract_address,
        schema=dev_deployment.bootcamp_completion_schema_uid,
        attester=signer.address,
        wanted=[
            (rows_[attested].wallet_address, rows_[attested].cohort_id),
            (rows_[attested].wallet_address, "another-cohort"),
            (rows_[waiting].wallet_address, rows_[waiting].cohort_id),
        ],
    )

    assert list(found) == [(rows_[attested].wallet_address, rows_[attested].cohort_id)]
    assert next(iter(found.values())).uid == rows_[attested].certificate_attestation_uid

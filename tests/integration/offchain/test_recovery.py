"""Off-chain attestations under redelivery and faults: one attestation per enrollment,
the same UID on every retry, and the reconciler anchors what was signed but not anchored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from web3 import Web3
from web3.types import RPCEndpoint

from certflow.errors import CertflowError
from chain.anchoring import get_timestamp
from chain.deploy import DevDeployment
from chain.transactions import Signer
from db import attestations
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.operations.attest_retry import retry_attestation
from issuance.operations.reconcile import reconcile_chain
from tests.integration.certificates.conftest import fund
from tests.integration.helpers import rows
from tests.integration.offchain.conftest import Cohort, claim, stored


def test_signed_but_not_anchored_keeps_its_uids_and_the_reconciler_anchors_them(
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    cohort: Cohort,
) -> None:
    ids = cohort("offchain", 3)
    for enrollment_id in ids:
        assert claim(engine, enrollment_id)["success"] is True
    assert grant_for(issuer, ids[0]).recorded == 3
    fund(w3, signer.address, 0)  # the anchoring transaction cannot be paid for
    # Wait briefly for a receipt that cannot come: the test is about what was stored.
    broke = Issuer.build(
        issuer.settings.model_copy(update={"receipt_timeout_seconds": 1.0}), issuer.engine
    )

    with pytest.raises(CertflowError) as first:
        attest_for(broke, ids[0])
    assert first.value.transient
    signed = {e: stored(engine, e) for e in ids}
    uids = {e: row.uid for e, row in signed.items() if row is not None}
    assert len(uids) == 3  # stored before anything was sent
    with pytest.raises(CertflowError):
        attest_for(broke, ids[1], take_over=True)  # a redelivery: nothing is signed anew
    assert {e: getattr(stored(engine, e), "uid", None) for e in ids} == uids

    fund(w3, signer.address)
    later = issuer.settings.model_copy(update={"reconcile_after_seconds": 0})
    healed = reconcile_chain(Issuer.build(later, issuer.engine))

    assert healed["attestations_healed"] >= 1
    eas = dev_deployment.eas_contract_address
    for enrollment_id, uid in uids.items():
        row = stored(engine, enrollment_id)
        assert row is not None
        assert row.uid == uid
        assert get_timestamp(w3, eas, uid) == int(row.anchored_at.timestamp())
        [enrollment] = rows(
            engine,
            "SELECT certificate_attestation_uid FROM bootcamp_enrollments WHERE id = :id",
            id=enrollment_id,
        )
        assert enrollment.certificate_attestation_uid == uid
    anchors = rows(engine, "SELECT status FROM chain_transactions WHERE intent = 'multi_timestamp'")
    assert [a.status for a in anchors] == ["mined"]  # one transaction, rebroadcast, never re-signed
    assert attest_for(issuer, ids[2]).outcome == "already_attested"


def test_the_admin_retry_of_a_failed_offchain_attestation_signs_and_anchors_it(
    engine: sa.Engine,
    w3: Web3,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    cohort: Cohort,
) -> None:
    [enrollment_id] = cohort("offchain", 1)
    assert claim(engine, enrollment_id)["success"] is True
    grant_for(issuer, enrollment_id)
    with issuer.engine.begin() as conn:  # as a failed batch leaves it
        attestations.record_attestation_failed(conn, [enrollment_id], "pending", "test", "b")
    assert attest_for(issuer, enrollment_id).outcome == "failed"

    result = retry_attestation(issuer, enrollment_id)

    row = stored(engine, enrollment_id)
    assert row is not None
    assert result == {"success": True, "found": False, "uid": row.uid}
    assert get_timestamp(w3, dev_deployment.eas_contract_address, row.uid) > 0
    [enrollment] = rows(
        engine,
        "SELECT certificate_attestation_uid, certificate_attestation_failed_at,"
        " certificate_retry_count FROM bootcamp_enrollments WHERE id = :id",
        id=enrollment_id,
    )
    assert tuple(enrollment) == (row.uid, None, 1)
    assert retry_attestation(issuer, enrollment_id) == {
        "success": True,
        "found": True,
        "uid": row.uid,
    }


def test_a_reorg_of_the_anchor_is_healed_with_the_same_uids(
    engine: sa.Engine,
    w3: Web3,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    cohort: Cohort,
) -> None:
    ids = cohort("offchain", 2)
    for enrollment_id in ids:
        assert claim(engine, enrollment_id)["success"] is True
    grant_for(issuer, ids[0])
    attest_for(issuer, ids[0])
    before = {e: stored(engine, e) for e in ids}
    eas = dev_deployment.eas_contract_address
    w3.provider.make_request(RPCEndpoint("anvil_reorg"), [2, []])
    assert [get_timestamp(w3, eas, row.uid) for row in before.values() if row] == [0, 0]
    w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [60])
    later = issuer.settings.model_copy(update={"reconcile_after_seconds": 0})

    counts = reconcile_chain(Issuer.build(later, issuer.engine))

    assert counts["reorged"] >= 1
    for enrollment_id, old in before.items():
        row = stored(engine, enrollment_id)
        assert old is not None
        assert row is not None
        assert row.uid == old.uid  # an off-chain UID does not depend on its block
        assert get_timestamp(w3, eas, row.uid) == int(row.anchored_at.timestamp())
        assert row.anchored_at > old.anchored_at


def test_a_uid_anchored_before_its_record_was_lost_is_found_by_its_log_not_stamped_again(
    engine: sa.Engine,
    owner_engine: sa.Engine,
    issuer: Issuer,
    flags_on: None,
    cohort: Cohort,
) -> None:
    [enrollment_id] = cohort("offchain", 1)
    assert claim(engine, enrollment_id)["success"] is True
    grant_for(issuer, enrollment_id)
    attest_for(issuer, enrollment_id)
    first = stored(engine, enrollment_id)
    assert first is not None
    with owner_engine.begin() as conn:  # the anchoring happened, its record did not survive
        for statement in (
            "UPDATE offchain_attestations SET anchor_tx_hash = NULL, anchor_block = NULL,"
            " anchored_at = NULL WHERE enrollment_id = :id",
            "UPDATE bootcamp_enrollments SET certificate_attestation_uid = NULL WHERE id = :id",
        ):
            conn.execute(sa.text(statement), {"id": enrollment_id})
        attestations.record_attestation_failed(conn, [enrollment_id], "pending", "lost", "b")

    result = retry_attestation(issuer, enrollment_id)

    again = stored(engine, enrollment_id)
    assert again is not None
    assert result["uid"] == again.uid == first.uid
    assert (again.anchor_tx_hash, again.anchored_at) == (first.anchor_tx_hash, first.anchored_at)
    stamps = rows(engine, "SELECT 1 FROM chain_transactions WHERE intent = 'multi_timestamp'")
    assert len(stamps) == 1  # found by its Timestamped log, not sent again (it would revert)

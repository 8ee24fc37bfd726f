"""A mixed cohort through the relay and the actors: one bootcamp on chain, one off chain.

The off-chain learners' attestations are checked with the EAS SDK's own
verifier (``eas_sdk_verify.mjs``), their UIDs against EAS's ``getTimestamp``,
and their PDFs for the off-chain UID and the anchoring transaction.
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from web3 import Web3

from chain.anchoring import get_timestamp
from chain.attestation import CompletionAttestation, get_attestation
from chain.deploy import DevDeployment
from chain.offchain import verify_offchain
from chain.offchain_json import from_sdk_json
from chain.transactions import Signer
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.integration.certificates_pdf.conftest import pdftotext
from tests.integration.chain.test_offchain_sdk import run_sdk
from tests.integration.helpers import rows, scalar
from tests.integration.offchain.conftest import Cohort, claim, stored


def _rendered(engine: sa.Engine, ids: list[UUID]) -> list[sa.Row[Any]] | None:
    found = rows(
        engine,
        "SELECT c.*, e.certificate_attestation_uid AS uid FROM certificates c"
        " JOIN bootcamp_enrollments e ON e.id = c.enrollment_id"
        " WHERE c.enrollment_id = ANY(:ids) AND c.superseded_at IS NULL"
        " AND c.attestation_uid IS NOT NULL ORDER BY c.enrollment_id",
        ids=ids,
    )
    return found if len(found) == len(ids) else None


def _sdk_request(w3: Web3, dev: DevDeployment, attester: str, packages: list[Any]) -> Any:
    from chain.anchoring import eas_version

    eas = Web3.to_checksum_address(dev.eas_contract_address)
    return run_sdk(
        {
            "command": "verify",
            "eas": eas,
            "chainId": str(w3.eth.chain_id),
            "version": eas_version(w3, eas),
            "attester": attester,
            "packages": [{"package": p} for p in packages],
        }
    )


def test_a_mixed_cohort_issues_each_bootcamp_in_its_own_mode(
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    store: ObjectStore,
    relay: Any,
    worker: Any,
    broker: Any,
    flags_on: None,
    cohort: Cohort,
) -> None:
    onchain, offchain = cohort("onchain", 2), cohort("offchain", 3)
    for enrollment_id in onchain + offchain:
        assert claim(engine, enrollment_id)["success"] is True

    certs = wait_until(lambda: _rendered(engine, onchain + offchain), timeout=120)
    broker.join("chain", timeout=60_000)
    worker.join()

    eas = dev_deployment.eas_contract_address
    by_id = {row.enrollment_id: row for row in certs}
    for enrollment_id in onchain:
        uid = by_id[enrollment_id].uid
        assert get_attestation(w3, eas, uid) is not None
        assert stored(engine, enrollment_id) is None
    anchors = set()
    for enrollment_id in offchain:
        row = stored(engine, enrollment_id)
        assert row is not None
        assert row.uid == by_id[enrollment_id].uid == by_id[enrollment_id].attestation_uid
        assert get_attestation(w3, eas, row.uid) is None  # nothing attested on chain
        assert get_timestamp(w3, eas, row.uid) == int(row.anchored_at.timestamp())
        att = from_sdk_json(row.package)
        assert verify_offchain(att, signer.address, eas, int(w3.eth.chain_id), "1.4.0")
        assert CompletionAttestation.decode(att.data).cohort_name.startswith("Cohort ")
        text = pdftotext(store.get(by_id[enrollment_id].object_key))
        assert row.uid in text.replace("\n", " ")
        assert row.anchor_tx_hash in text.replace("\n", " ")
        # Anchored by the recorded transaction: its block's time is the UID's timestamp.
        receipt = w3.eth.get_transaction_receipt(row.anchor_tx_hash)
        block = w3.eth.get_block(receipt["blockNumber"])
        assert block["timestamp"] == get_timestamp(w3, eas, row.uid)
        anchors.add(row.anchor_tx_hash)
    # Each UID anchored by a mined multiTimestamp; how the three are batched depends on
    # when their keys arrive (under load, in several batches), so it is not asserted.
    for anchor in anchors:
        assert rows(
            engine,
            "SELECT intent, status FROM chain_transactions WHERE tx_hash = :h",
            h=anchor,
        ) == [("multi_timestamp", "mined")]
    assert scalar(engine, "SELECT count(*) FROM chain_transactions WHERE intent = 'multi_attest'")
    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0


def test_the_sdk_verifies_an_issued_attestation_and_rejects_a_tampered_field(
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
) -> None:
    [enrollment_id] = cohort("offchain", 1)
    assert claim(engine, enrollment_id)["success"] is True
    row = wait_until(
        lambda: (r := stored(engine, enrollment_id)) is not None and r.anchor_tx_hash and r,
        timeout=60,
    )
    package = row.package
    data = CompletionAttestation.decode(from_sdk_json(package).data)
    forged = CompletionAttestation(**{**data.__dict__, "total_xp_earned": 99_999})
    tampered = copy.deepcopy(package)
    tampered["sig"]["message"]["data"] = "0x" + forged.encode().hex()

    good, bad = _sdk_request(w3, dev_deployment, signer.address, [package, tampered])

    assert (good["valid"], good["uid"]) == (True, row.uid)
    assert bad["valid"] is False
    assert bad["uid"] != row.uid  # the SDK's UID moves with the data

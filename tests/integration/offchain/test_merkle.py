"""ANCHOR_MERKLE: a batch's UIDs anchored as one Merkle root with EAS.timestamp; each
attestation keeps its proof path, and verification checks the path."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from web3 import Web3

from certflow.settings import Settings
from chain import merkle
from chain.anchoring import get_timestamp
from chain.deploy import DevDeployment
from issuance.verification import offchain_checks as oc
from issuance.verification.verification import Verifier
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.integration.helpers import rows
from tests.integration.offchain.conftest import Cohort, claim, stored
from tests.integration.web.conftest import Server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's off-chain settings, with batches anchored as Merkle roots."""
    return settings.model_copy(update={"anchor_merkle": True})


def test_a_batch_is_anchored_as_one_root_and_every_proof_leads_to_it(
    engine: sa.Engine,
    owner_engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    dev_deployment: DevDeployment,
    store: ObjectStore,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
    site: Server,
) -> None:
    ids = cohort("offchain", 5)
    for enrollment_id in ids:
        assert claim(engine, enrollment_id)["success"] is True
    certs = wait_until(
        lambda: (
            (
                found := rows(
                    engine,
                    "SELECT * FROM certificates WHERE enrollment_id = ANY(:ids)"
                    " AND attestation_uid IS NOT NULL",
                    ids=ids,
                )
            )
            and len(found) == len(ids)
            and found
        ),
        timeout=90,
    )

    eas = dev_deployment.eas_contract_address
    signed = [row for e in ids if (row := stored(engine, e)) is not None]
    roots = {row.merkle_root: row.anchor_tx_hash for row in signed}
    assert len(signed) == 5
    assert len(set(roots.values())) == len(roots)  # one transaction per batch's root
    for row in signed:
        assert row.merkle_root is not None
        assert merkle.verify(row.uid, row.merkle_proof, row.merkle_root)
        assert get_timestamp(w3, eas, row.uid) == 0  # only the root is on chain
        assert get_timestamp(w3, eas, row.merkle_root) == int(row.anchored_at.timestamp())
    intents = rows(engine, "SELECT intent FROM chain_transactions WHERE intent LIKE '%timestamp%'")
    assert [r.intent for r in intents] == ["timestamp_root"] * len(roots)
    verifier = Verifier(settings, engine, lambda: store, w3)
    report = verifier.verify_id(str(certs[0].id))
    assert report.passed, report.checks
    assert oc.MERKLE in [check.name for check in report.checks]
    page = requests.get(f"{site.url}/api/certificates/{certs[0].id}", timeout=10).json()
    assert page["verdict"] == "verified"
    [step] = [step for step in page["checks"] if step["key"] == "attestation"]
    shown = {item["label"]: item["value"] for item in step["evidence"]}
    victim = next(row for row in signed if row.enrollment_id == certs[0].enrollment_id)
    assert shown["Merkle root (timestamped)"] == victim.merkle_root
    info = requests.get(f"{site.url}/api/attestations/{victim.uid}", timeout=10).json()
    assert (info["anchor"]["merkle_root"], info["anchor"]["merkle_proof"]) == (
        victim.merkle_root,
        victim.merkle_proof,
    )

    forged = ["0x" + "00" * 32, *victim.merkle_proof]  # one node too many: never the root
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE offchain_attestations SET merkle_proof = CAST(:p AS jsonb) WHERE uid = :u"
            ),
            {"p": json.dumps(forged), "u": victim.uid},
        )
    assert verifier.verify_id(str(certs[0].id)).failed == [oc.MERKLE]
    after = requests.get(f"{site.url}/api/certificates/{certs[0].id}", timeout=10).json()
    assert after["verdict"] == "failed"

"""``certflow verify`` and ``certflow revoke`` on a certificate issued in the off-chain mode."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from web3 import Web3

from certflow.settings import Settings
from chain.anchoring import get_revoke_offchain
from chain.attestation import CompletionAttestation
from chain.deploy import DevDeployment
from chain.offchain_json import from_sdk_json
from chain.transactions import Signer
from cli.main import main
from issuance.certificates.issuer import Issuer
from issuance.certificates.revocation import revoke
from issuance.verification import offchain_checks as oc
from issuance.verification.verification import NOT_REVOKED, VALID_KEY, Verifier
from render.storage import ObjectStore
from tests.integration.helpers import rows
from tests.integration.offchain.conftest import Cohort, issue_offchain, stored
from tests.integration.web.conftest import env_of


def test_verify_passes_then_revoke_offchain_makes_it_fail(
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    settings: Settings,
    dev_deployment: DevDeployment,
    store: ObjectStore,
    admin_issuer: Issuer,
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
) -> None:
    enrollment_id, cert = issue_offchain(engine, cohort)
    verifier = Verifier(settings, engine, lambda: store, w3)

    report = verifier.verify_id(str(cert.id))

    assert report.passed, report.checks
    names = [check.name for check in report.checks]
    for name in (oc.SIGNATURE, oc.UID, oc.ANCHORED, oc.SCHEMA, oc.ATTESTED_VALUES, oc.NOT_REVOKED):
        assert name in names

    for name, value in {**env_of(settings), "DATABASE_URL": admin_database_url}.items():
        monkeypatch.setenv(name, value)  # the commands, as an admin runs them
    checked = CliRunner().invoke(main, ["verify", str(cert.id)], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert oc.SIGNATURE in checked.output
    revoked = CliRunner().invoke(
        main, ["revoke", str(enrollment_id), "--reason", "plagiarism"], catch_exceptions=False
    )
    assert revoked.exit_code == 0, revoked.output
    row = stored(engine, enrollment_id)
    assert row is not None
    assert row.revoke_tx_hash is not None
    eas = dev_deployment.eas_contract_address
    assert get_revoke_offchain(w3, eas, signer.address, row.uid) == int(row.revoked_at.timestamp())
    assert rows(engine, "SELECT intent, status FROM chain_transactions WHERE tx_hash = :h",
                h=row.revoke_tx_hash) == [("revoke_offchain", "mined")]  # fmt: skip

    revoke(admin_issuer, enrollment_id, "plagiarism")  # again: nothing new is sent
    revokes = rows(engine, "SELECT 1 FROM chain_transactions WHERE intent = 'revoke_offchain'")
    assert len(revokes) == 1
    assert sorted(verifier.verify_id(str(cert.id)).failed) == sorted(
        [NOT_REVOKED, VALID_KEY, oc.NOT_REVOKED]
    )
    assert CliRunner().invoke(main, ["verify", str(cert.id)]).exit_code == 1


def test_verify_fails_a_tampered_stored_attestation(
    engine: sa.Engine,
    owner_engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    store: ObjectStore,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
) -> None:
    enrollment_id, cert = issue_offchain(engine, cohort)
    row = stored(engine, enrollment_id)
    assert row is not None
    data = CompletionAttestation.decode(from_sdk_json(row.package).data)
    forged = CompletionAttestation(**{**data.__dict__, "total_xp_earned": 99_999})
    package = json.loads(json.dumps(row.package))
    package["sig"]["message"]["data"] = "0x" + forged.encode().hex()
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE offchain_attestations SET package = CAST(:p AS jsonb) WHERE uid = :u"),
            {"p": json.dumps(package), "u": row.uid},
        )

    report = Verifier(settings, engine, lambda: store, w3).verify_id(str(cert.id))

    assert sorted(report.failed) == sorted([oc.SIGNATURE, oc.UID, oc.ATTESTED_VALUES])

"""`certflow retry-attestations --cohort`: a cohort's failed attestations in one multiAttest,
each once on chain, audited; running it again changes nothing."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from web3 import Web3

from certflow.errors import AttestationFailed
from certflow.settings import Settings
from chain.attestation import attested_events
from chain.deploy import DevDeployment
from chain.transactions import Signer
from cli.main import main
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import rows, scalar


@pytest.fixture
def cli(
    chain_env: dict[str, str], admin_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    for name, value in {**chain_env, "DATABASE_URL": admin_database_url}.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _failed_attestations(
    engine: sa.Engine, settings: Settings, issuer: Issuer, learners: Learners, count: int
) -> list[UUID]:
    """Keys granted, then every attestation failed (a wrong schema UID), as on a bad deploy."""
    ids = learners(count)
    for enrollment_id in ids:
        claim(engine, enrollment_id)
    grant_for(issuer, ids[0])  # one grantKeys for every waiting claim of the lock
    broken = Issuer.build(
        settings.model_copy(update={"bootcamp_completion_schema_uid": "0x" + "12" * 32}), engine
    )
    with pytest.raises(AttestationFailed):
        attest_for(broken, ids[0])
    assert all(enrollment(engine, i).certificate_attestation_failed_at for i in ids)
    return ids


def test_a_cohort_is_retried_in_one_batch_each_attestation_once(
    cli: CliRunner,
    engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    signer: Signer,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    ids = _failed_attestations(engine, settings, issuer, completed_learners, 5)

    first = cli.invoke(main, ["retry-attestations", "--cohort", "cohort-0", "--json"])
    second = cli.invoke(main, ["retry-attestations", "--cohort", "cohort-0"])

    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["pending"], report["attested"], report["failed"]) == (5, 5, [])
    for enrollment_id in ids:
        row = enrollment(engine, enrollment_id)
        made = attested_events(
            w3,
            dev_deployment.eas_contract_address,
            schema=dev_deployment.bootcamp_completion_schema_uid,
            attester=signer.address,
            recipient=row.wallet_address,
        )
        assert [e.uid for e in made] == [row.certificate_attestation_uid]
        assert row.certificate_attestation_failed_at is None
        assert row.certificate_retry_count == 1
    retries = "SELECT count(*) FROM chain_transactions WHERE intent_key LIKE 'attest_retry:%'"
    assert scalar(engine, retries) == 1
    assert second.exit_code == 0, second.output
    assert "cohort cohort-0: 0 pending, 0 attested" in second.output
    audit = rows(engine, "SELECT command, arguments, outcome, result FROM admin_audit ORDER BY id")
    assert [(a.command, a.outcome) for a in audit] == [("retry-attestations", "ok")] * 2
    assert audit[0].arguments == {"cohort_id": "cohort-0", "limit": 10000}
    assert audit[0].result["attested"] == 5


def test_an_unknown_cohort_is_refused(cli: CliRunner, engine: sa.Engine) -> None:
    result = cli.invoke(main, ["retry-attestations", "--cohort", "nope"])

    assert result.exit_code == 1
    assert "refused: Cohort not found" in result.output
    (audit,) = rows(engine, "SELECT outcome, result FROM admin_audit")
    assert (audit.outcome, audit.result["error"]) == ("refused", "Cohort not found")


def test_an_offchain_cohort_is_retried_with_offchain_attestations_anchored_once(
    cli: CliRunner,
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    ids = completed_learners(3)
    for enrollment_id in ids:
        claim(engine, enrollment_id)
    grant_for(issuer, ids[0])
    with engine.begin() as conn:  # the bootcamp moved to off-chain mode; its attestations lost
        conn.execute(sa.text("UPDATE bootcamp_programs SET attestation_mode = 'offchain'"))

    result = cli.invoke(main, ["retry-attestations", "--cohort", "cohort-0", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["attested"] == 3
    stored = rows(engine, "SELECT enrollment_id, uid, anchor_tx_hash FROM offchain_attestations")
    assert sorted(r.enrollment_id for r in stored) == sorted(ids)
    assert all(r.anchor_tx_hash for r in stored)
    for row in stored:
        assert enrollment(engine, row.enrollment_id).certificate_attestation_uid == row.uid
    for enrollment_id in ids:  # no on-chain attestation for an off-chain bootcamp
        wallet = enrollment(engine, enrollment_id).wallet_address
        made = attested_events(
            w3,
            dev_deployment.eas_contract_address,
            schema=dev_deployment.bootcamp_completion_schema_uid,
            attester=signer.address,
            recipient=wallet,
        )
        assert made == []
    anchors = "SELECT count(*) FROM chain_transactions WHERE intent_key LIKE 'multi_timestamp:%'"
    assert scalar(engine, anchors) == 1

"""`certflow save-attestation`: an attestation made elsewhere is recorded only once EAS shows
it exists, is ours, is not revoked and matches the enrollment; audited either way."""

from __future__ import annotations

import dataclasses
import json
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from web3 import Web3

from certflow.settings import Settings
from chain.attestation import attest_calldata, parse_attested
from chain.deploy import DevDeployment
from chain.transactions import Signer, send_direct
from cli.main import main
from db import records
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.certificates.records import completion_attestation
from tests.integration.certificates.conftest import Learners, claim, enrollment, fund, new_key
from tests.integration.helpers import rows


@pytest.fixture
def cli(
    chain_env: dict[str, str], admin_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    for name, value in {**chain_env, "DATABASE_URL": admin_database_url}.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


@pytest.fixture
def granted(
    engine: sa.Engine, issuer: Issuer, flags_on: None, completed_learners: Learners
) -> UUID:
    """A key granted; its attestation never recorded."""
    [enrollment_id] = completed_learners()
    claim(engine, enrollment_id)
    grant_for(issuer, enrollment_id)
    return enrollment_id


def _attest(w3: Web3, by: Signer, deployment: DevDeployment, engine: sa.Engine, who: UUID,
            cohort_id: str | None = None) -> str:  # fmt: skip
    """An attestation sent outside certflow, from the enrollment's record (or another cohort)."""
    with engine.connect() as conn:
        record = records.record(conn, who)
    assert record is not None
    completion = completion_attestation(record)
    if cohort_id is not None:
        completion = dataclasses.replace(completion, cohort_id=cohort_id)
    data = attest_calldata(deployment.bootcamp_completion_schema_uid, completion)
    sent = send_direct(w3, by, deployment.eas_contract_address, data)
    [event] = parse_attested(sent.receipt, deployment.eas_contract_address)
    return event.uid


def test_a_matching_attestation_of_ours_is_saved_once(
    cli: CliRunner,
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    granted: UUID,
) -> None:
    uid = _attest(w3, signer, dev_deployment, engine, granted)

    first = cli.invoke(main, ["save-attestation", str(granted), uid, "--json"])
    again = cli.invoke(main, ["save-attestation", str(granted), uid, "--json"])

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"success": True, "found": False, "uid": uid}
    assert json.loads(again.stdout) == {"success": True, "found": True, "uid": uid}
    assert enrollment(engine, granted).certificate_attestation_uid == uid
    attested = rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'certificate.attested'")
    assert [a.payload["attestation_uid"] for a in attested] == [uid]
    audit = rows(engine, "SELECT command, arguments, outcome FROM admin_audit ORDER BY id")
    assert [(a.command, a.outcome) for a in audit] == [("save-attestation", "ok")] * 2
    assert audit[0].arguments == {"enrollment_id": str(granted), "uid": uid}


def test_an_attestation_that_is_not_ours_or_does_not_match_is_refused(
    cli: CliRunner,
    engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    signer: Signer,
    dev_deployment: DevDeployment,
    granted: UUID,
) -> None:
    stranger = Signer.from_key(new_key())
    fund(w3, stranger.address)
    cases = {
        "missing": "0x" + "ab" * 32,
        "stranger": _attest(w3, stranger, dev_deployment, engine, granted),
        "other cohort": _attest(w3, signer, dev_deployment, engine, granted, cohort_id="c-other"),
    }

    out = {
        case: cli.invoke(main, ["save-attestation", str(granted), uid])
        for case, uid in cases.items()
    }

    assert all(result.exit_code == 1 for result in out.values())
    assert "has no such attestation" in out["missing"].output
    assert f"attested by {stranger.address}, not by our attester" in out["stranger"].output
    assert "cohortId: attested c-other, expected cohort-0" in out["other cohort"].output
    assert enrollment(engine, granted).certificate_attestation_uid is None
    audit = rows(engine, "SELECT outcome, result ->> 'error' AS error FROM admin_audit ORDER BY id")
    assert [a.outcome for a in audit] == ["refused"] * 3
    assert audit[0].error.startswith(f"Attestation {cases['missing']} not saved: EAS ")


def test_an_unknown_enrollment_is_refused(cli: CliRunner) -> None:
    result = cli.invoke(main, ["save-attestation", str(UUID(int=7)), "0x" + "ab" * 32])

    assert result.exit_code == 1
    assert "refused: Enrollment not found" in result.output

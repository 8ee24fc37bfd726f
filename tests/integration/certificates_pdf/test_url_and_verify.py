"""``certflow certificate url`` and ``certflow verify`` against real storage and a real chain:
the key and the attestation are made on anvil with the real Unlock and EAS contracts."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from eth_account import Account
from web3 import Web3

from certflow.settings import Settings, load_settings
from chain.attestation import CompletionAttestation, attest_calldata, parse_attested
from chain.deploy import DevDeployment
from chain.devnode import DevNode
from chain.lock import grant_keys_calldata
from chain.transactions import Signer, send_direct
from cli.main import main
from db.certificates import CertificateRow
from db.ledger import LedgerKey
from issuance.certificates.certificate_pdf import render_certificate
from render.storage import ObjectStore, PdfMetadata
from tests.fixtures.s3 import S3Server
from tests.integration.certificates_pdf.conftest import (
    COMPLETED_AT,
    URL_TTL,
    pdf_settings,
    settled_learner,
)
from tests.integration.helpers import rows


@pytest.fixture
def chain_env(
    *,
    database_url: str,
    redis_url: str,
    s3_server: S3Server,
    s3_bucket: str,
    anvil_node: DevNode,
    w3: Web3,
    dev_deployment: DevDeployment,
) -> dict[str, str]:
    """The environment a deployment's ``certflow`` runs with."""
    env = {
        **dev_deployment.env(),
        "RPC_URL": anvil_node.url,
        "CHAIN_ID": str(w3.eth.chain_id),
    }
    settings = pdf_settings(database_url, redis_url, s3_server.endpoint, s3_bucket, **env)
    return {
        **env,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_ACCESS_KEY": "test-access-key",
        "S3_SECRET_KEY": "test-secret-key",
        "S3_BUCKET": s3_bucket,
        "CERTIFICATE_URL_TTL": str(URL_TTL),
        "VERIFY_BASE_URL": settings.verify_base_url,
    }


@pytest.fixture
def settings(chain_env: dict[str, str]) -> Settings:
    return load_settings(chain_env)


@pytest.fixture
def cli(chain_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in chain_env.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


@dataclass(frozen=True)
class Issued:
    enrollment_id: UUID
    certificate: CertificateRow
    pdf: bytes


Issue = Callable[..., Issued]


@pytest.fixture
def issue(
    *,
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> Issue:
    def run(**options: Any) -> Issued:
        return _issue(engine, settings, w3, lock_manager, dev_deployment, **options)

    return run


def _issue(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    deployment: DevDeployment,
    *,
    grant: bool = True,
    attest: bool = True,
    recorded_uid: str | None = None,
    attested_xp: int = 450,
    attested_at: int = int(COMPLETED_AT.timestamp()),
) -> Issued:
    """Grant a key and attest on chain as the chain actors would, then render."""
    wallet = str(Account.create().address)
    key_tx = "0x" + "00" * 32
    if grant:
        data = grant_keys_calldata([wallet], lock_manager.address)
        key_tx = send_direct(w3, lock_manager, deployment.lock_address, data).tx_hash
    uid = recorded_uid
    if attest:
        completion = CompletionAttestation(
            cohort_id="c1",
            cohort_name="Cohort 7 — Lagos",
            bootcamp_id="b1",
            bootcamp_title="Solidity Foundations Bootcamp",
            user_address=wallet,
            completion_date=attested_at,
            total_xp_earned=attested_xp,
            certificate_tx_hash=key_tx,
        )
        data = attest_calldata(deployment.bootcamp_completion_schema_uid, completion)
        sent = send_direct(w3, lock_manager, deployment.eas_contract_address, data)
        [event] = parse_attested(sent.receipt, deployment.eas_contract_address)
        uid = uid or event.uid
    learner = settled_learner(
        engine,
        name="Анна Кузнецова",
        wallet=wallet,
        attestation_uid=uid,
        lock_address=deployment.lock_address,
        key_tx=key_tx,
    )
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    result = render_certificate(
        engine,
        store,
        settings,
        learner.enrollment_id,
        LedgerKey("render_certificate", f"test:{learner.enrollment_id}", None),
    )
    assert result.certificate is not None
    pdf = store.get(result.certificate.object_key)
    return Issued(learner.enrollment_id, result.certificate, pdf)


def _verify(cli: CliRunner, target: str) -> Result:
    result = cli.invoke(main, ["verify", target], catch_exceptions=False)
    print(result.stdout)  # shown when a test fails
    return result


def _marks(result: Result) -> dict[str, str]:
    """Check name → ✓ / ✗ / - as printed."""
    marks = {}
    for line in result.stdout.splitlines():
        if line[:2] in ("✓ ", "✗ ", "- "):
            name, _, _ = line[2:].partition(":")
            marks[name] = line[0]
    return marks


def test_presigned_url_fetches_the_exact_bytes_and_expires_as_configured(
    engine: sa.Engine, settings: Settings, cli: CliRunner, store: ObjectStore
) -> None:
    learner = settled_learner(engine)
    result = render_certificate(
        engine,
        store,
        settings,
        learner.enrollment_id,
        LedgerKey("render_certificate", "k1", None),
    )
    assert result.certificate is not None

    out = cli.invoke(main, ["certificate", "url", str(learner.enrollment_id)])

    assert out.exit_code == 0, out.output
    url = out.stdout.strip()
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == [str(URL_TTL)]
    assert urlsplit(url).path.endswith(result.certificate.object_key)
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own test server
        fetched = response.read()
    assert fetched == store.get(result.certificate.object_key)
    assert hashlib.sha256(fetched).hexdigest() == result.certificate.sha256
    assert "test-secret-key" not in out.output


def test_url_of_an_enrollment_without_certificate_fails_clearly(cli: CliRunner) -> None:
    missing = "00000000-0000-0000-0000-000000000001"
    out = cli.invoke(main, ["certificate", "url", missing])
    assert out.exit_code == 1
    assert f"enrollment {missing} has no certificate yet" in out.output


def test_verify_passes_on_a_genuine_certificate_by_id_and_by_file(
    issue: Issue,
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    issued = issue()
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(issued.pdf)

    for target in (str(issued.certificate.id), str(pdf_path)):
        result = _verify(cli, target)
        assert result.exit_code == 0, result.stdout
        assert _marks(result) == {
            "certificate on record": "✓",
            "sha256 matches the database": "✓",
            "current version": "✓",
            "not revoked by the issuer": "✓",
            "printed facts recorded at issue": "✓",
            "printed values match the database": "✓",
            "learner holds a valid key": "✓",
            "attestation exists on chain": "✓",
            "attested by our attester": "✓",
            "attestation uses the V2 schema": "✓",
            "attestation matches the certificate": "✓",
        }
        assert "verified: every check passed" in result.stdout


def test_rerender_command_makes_a_new_version_and_is_audited(
    engine: sa.Engine,
    settings: Settings,
    cli: CliRunner,
    store: ObjectStore,
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    learner = settled_learner(engine)
    monkeypatch.setenv("DATABASE_URL", admin_database_url)  # an admin command
    nothing = cli.invoke(main, ["certificate", "rerender", str(learner.enrollment_id)])
    key = LedgerKey("render_certificate", "k1", None)
    render_certificate(engine, store, settings, learner.enrollment_id, key)

    second = cli.invoke(main, ["certificate", "rerender", str(learner.enrollment_id), "--json"])
    third = cli.invoke(main, ["certificate", "rerender", str(learner.enrollment_id)])

    assert nothing.exit_code == 1
    assert second.exit_code == 0, second.output
    made = json.loads(second.stdout)
    assert made["version"] == 2
    assert third.stdout.strip().endswith(" v3")
    audit = rows(engine, "SELECT command, arguments, outcome, result FROM admin_audit ORDER BY id")
    assert [(a.command, a.outcome) for a in audit] == [
        ("certificate rerender", "refused"),
        ("certificate rerender", "ok"),
        ("certificate rerender", "ok"),
    ]
    assert audit[1].arguments == {"enrollment_id": str(learner.enrollment_id)}
    assert audit[1].result == made


def test_verify_of_a_file_needs_no_storage_credentials(
    issue: Issue, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file in hand is hashed and found in the database: storage is never asked."""
    issued = issue()
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(issued.pdf)
    monkeypatch.delenv("S3_ACCESS_KEY")
    monkeypatch.delenv("S3_SECRET_KEY")

    result = _verify(cli, str(pdf_path))

    assert result.exit_code == 0, result.output
    assert "verified: every check passed" in result.stdout
    assert "S3_ACCESS_KEY" not in result.output


def test_verify_fails_on_a_pdf_with_one_changed_byte(
    issue: Issue,
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    issued = issue()
    at = issued.pdf.index(b"/Author (certflow)") + len(b"/Author (certflo")
    tampered = issued.pdf[:at] + b"W" + issued.pdf[at + 1 :]
    assert len(tampered) == len(issued.pdf)
    assert sum(a != b for a, b in zip(tampered, issued.pdf, strict=True)) == 1
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)

    result = _verify(cli, str(path))

    assert result.exit_code == 1
    assert _marks(result)["sha256 matches the database"] == "✗"
    assert "NOT verified: sha256 matches the database failed" in result.stdout


def test_verify_fails_when_the_stored_object_was_replaced(
    issue: Issue,
    cli: CliRunner,
    store: ObjectStore,
) -> None:
    issued = issue()
    meta = PdfMetadata(str(issued.enrollment_id), str(issued.certificate.id), None)
    store.put_pdf(issued.certificate.object_key, issued.pdf + b"\n%tampered\n", meta)

    result = _verify(cli, str(issued.certificate.id))

    assert result.exit_code == 1
    assert _marks(result)["sha256 matches the database"] == "✗"


def test_verify_fails_naming_the_check_when_the_attestation_is_missing(
    issue: Issue,
    cli: CliRunner,
) -> None:
    never_attested = "0x" + "7a" * 32
    issued = issue(attest=False, recorded_uid=never_attested)

    result = _verify(cli, str(issued.certificate.id))

    assert result.exit_code == 1
    marks = _marks(result)
    assert marks["attestation exists on chain"] == "✗"
    assert marks["sha256 matches the database"] == "✓"
    assert marks["learner holds a valid key"] == "✓"
    assert marks["attested by our attester"] == "-"
    assert "NOT verified: attestation exists on chain failed" in result.stdout
    assert f"has no attestation {never_attested}" in result.stdout


def test_verify_fails_when_the_attestation_says_something_else(
    issue: Issue,
    cli: CliRunner,
) -> None:
    issued = issue(attested_xp=9000)

    result = _verify(cli, str(issued.certificate.id))

    assert result.exit_code == 1
    assert _marks(result)["attestation matches the certificate"] == "✗"
    assert "totalXpEarned: attested 9000, expected 450" in result.stdout
    assert "NOT verified: attestation matches the certificate failed" in result.stdout


def test_verify_fails_when_the_attested_completion_date_is_another_day(
    issue: Issue, cli: CliRunner
) -> None:
    issued = issue(attested_at=int(COMPLETED_AT.timestamp()) + 86_400)

    result = _verify(cli, str(issued.certificate.id))

    assert result.exit_code == 1
    assert _marks(result)["attestation matches the certificate"] == "✗"
    assert "completionDate: attested" in result.stdout


def test_verify_fails_when_the_learner_holds_no_key(
    issue: Issue,
    cli: CliRunner,
) -> None:
    issued = issue(grant=False)

    result = _verify(cli, str(issued.certificate.id))

    assert result.exit_code == 1
    assert _marks(result)["learner holds a valid key"] == "✗"
    assert "NOT verified: learner holds a valid key failed" in result.stdout


def test_verify_of_an_unknown_certificate_fails(cli: CliRunner, w3: Web3) -> None:
    result = _verify(cli, "2b1c0d4e-0000-5000-8000-000000000000")
    assert result.exit_code == 1
    assert _marks(result) == {"certificate on record": "✗"}

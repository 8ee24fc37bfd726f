"""The real processes and the real ``certflow`` command: an attested event becomes a
stored PDF, its presigned URL downloads it, and ``certflow verify`` checks it against
anvil (key and attestation made with the real Unlock and EAS contracts)."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from chain.attestation import CompletionAttestation, attest_calldata, parse_attested
from chain.deploy import DevDeployment
from chain.devnode import DevNode
from chain.lock import grant_keys_calldata
from chain.transactions import Signer, send_direct
from db import outbox
from tests.acceptance.processes import env_for, run, running, stop
from tests.fixtures.database import wait_until
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.certificates_pdf.conftest import (
    COMPLETED_AT,
    certificate_rows,
    settled_learner,
)

pytestmark = pytest.mark.slow


def test_attested_event_to_downloaded_and_verified_pdf(
    *,
    engine: sa.Engine,
    database_url: str,
    redis_url: str,
    broker: object,
    s3_server: S3Server,
    s3_bucket: str,
    anvil_node: DevNode,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
    tmp_path: Path,
) -> None:
    env = env_for(
        database_url,
        redis_url,
        **dev_deployment.env(),
        RPC_URL=anvil_node.url,
        CHAIN_ID=str(w3.eth.chain_id),
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=s3_bucket,
        CERTIFICATE_URL_TTL="600",
        VERIFY_BASE_URL="https://certs.example.org/verify",
    )
    wallet = str(Account.create().address)
    key_tx = send_direct(
        w3,
        lock_manager,
        dev_deployment.lock_address,
        grant_keys_calldata([wallet], lock_manager.address),
    ).tx_hash
    completion = CompletionAttestation(
        "c1",
        "Cohort 7 — Lagos",
        "b1",
        "Solidity Foundations Bootcamp",
        wallet,
        int(COMPLETED_AT.timestamp()),
        450,
        key_tx,
    )
    sent = send_direct(
        w3,
        lock_manager,
        dev_deployment.eas_contract_address,
        attest_calldata(dev_deployment.bootcamp_completion_schema_uid, completion),
    )
    [attested] = parse_attested(sent.receipt, dev_deployment.eas_contract_address)
    learner = settled_learner(
        engine,
        name="Анна Кузнецова",
        wallet=wallet,
        attestation_uid=attested.uid,
        lock_address=dev_deployment.lock_address,
        key_tx=key_tx,
    )
    with engine.begin() as conn:
        outbox.emit(
            conn,
            "certificate.attested",
            {"enrollment_id": str(learner.enrollment_id)},
            f"certificate.attested:{learner.enrollment_id}",
        )

    with (
        running(["relay"], env, tmp_path / "relay.log") as relay,
        running(
            ["worker", "--processes", "1", "--threads", "2"], env, tmp_path / "worker.log"
        ) as worker,
    ):
        [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id), timeout=60)
        assert stop(relay) == 0
        assert stop(worker) == 0

    url_run = run(["certificate", "url", str(learner.enrollment_id)], env)
    assert url_run.returncode == 0, url_run.stderr
    url = url_run.stdout.strip()
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["600"]
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our test server
        pdf = response.read()
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)

    by_id = run(["verify", str(row.id)], env)
    by_file = run(["verify", str(path)], env)
    assert (by_id.returncode, by_file.returncode) == (0, 0), by_id.stdout + by_file.stdout
    # Nine checks of the file and its certificate, then issue 19's two: revocation is per
    # certificate, and the printed facts were recorded when it was rendered.
    assert by_file.stdout.count("✓ ") == 11
    assert "✓ not revoked by the issuer" in by_file.stdout
    assert "✓ printed facts recorded at issue" in by_file.stdout
    assert "verified: every check passed" in by_file.stdout

    path.write_bytes(pdf.replace(b"/Author (certflow)", b"/Author (certfloW)", 1))
    tampered = run(["verify", str(path)], env)
    assert tampered.returncode == 1
    assert "✗ sha256 matches the database" in tampered.stdout
    assert "NOT verified: sha256 matches the database failed" in tampered.stdout
    for output in (url_run, by_id, by_file, tampered):
        assert SECRET_KEY not in output.stdout + output.stderr

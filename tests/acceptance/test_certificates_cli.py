"""The certificate commands of the real ``certflow`` CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from certflow.errors import AttestationFailed
from chain.attestation import schema_uid
from chain.deploy import DevDeployment, deploy_lock
from chain.devnode import DevNode
from chain.lock import is_lock_manager
from chain.transactions import Signer
from db import claims, seed
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.acceptance.processes import env_for, run
from tests.fixtures.database import settings_for
from tests.integration.certificates.conftest import fund, new_key

pytestmark = pytest.mark.slow


def env_lines(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )


@pytest.fixture
def cli_env(database_url: str, redis_url: str, w3: Web3, anvil_node: DevNode) -> dict[str, str]:
    key = new_key()
    fund(w3, Signer.from_key(key).address)
    return env_for(
        database_url, redis_url, RPC_URL=anvil_node.url, SIGNER_PRIVATE_KEY=key, LOG_LEVEL="WARNING"
    )


def test_deploy_dev_prints_a_working_env_and_register_schema_finds_it(
    w3: Web3, cli_env: dict[str, str]
) -> None:
    deployed = run(["chain", "deploy-dev"], cli_env)
    assert deployed.returncode == 0, deployed.stderr
    values = env_lines(deployed.stdout)
    signer = Signer.from_key(cli_env["SIGNER_PRIVATE_KEY"])

    assert values["BOOTCAMP_COMPLETION_SCHEMA_UID"] == schema_uid()
    assert values["LOCK_MANAGER_ADDRESS"] == signer.address
    assert is_lock_manager(w3, values["LOCK_ADDRESS"], signer.address) is True
    assert len(w3.eth.get_code(Web3.to_checksum_address(values["EAS_CONTRACT_ADDRESS"]))) > 0
    assert cli_env["SIGNER_PRIVATE_KEY"] not in deployed.stdout + deployed.stderr

    again = run(
        ["chain", "register-schema", "--registry", values["SCHEMA_REGISTRY_ADDRESS"]], cli_env
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "# already registered",
        f"BOOTCAMP_COMPLETION_SCHEMA_UID={schema_uid()}",
    ]


def test_preflight_blocks_once_a_certificate_was_issued(
    engine: sa.Engine, cli_env: dict[str, str]
) -> None:
    clean = run(["preflight"], cli_env)
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id="c", milestones=1)
        seed.enroll_learners(conn, cohort, ["Ada"])
        conn.execute(sa.text("UPDATE bootcamp_enrollments SET certificate_issued = true"))
    blocked = run(["preflight"], cli_env)

    assert clean.returncode == 0
    assert "Pre-flight check passed: No certificates issued" in clean.stdout
    assert blocked.returncode == 1
    assert "DEPLOYMENT BLOCKED" in blocked.stderr
    assert "1 certificate(s) already issued." in blocked.stderr
    assert "Migration required before deploying V2 schema." in blocked.stderr


def test_claim_status_and_reconcile_commands(engine: sa.Engine, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "BOOTCAMP_CERTIFICATES_ENABLED": "true"}
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b", cohort_id="c", milestones=1, lock_address="0x" + "44" * 20
        )
        seed.enroll_learners(conn, cohort, ["Ada"], [str(Account.create().address)])
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now()"
            )
        )
    [enrollment_id] = cohort.learners.values()

    off = run(["claim", str(enrollment_id)], cli_env)
    first = run(["claim", str(enrollment_id)], env)
    second = run(["claim", str(enrollment_id)], env)
    status = run(["status", str(enrollment_id)], env)
    reconciled = run(["reconcile", "--json"], env)

    assert off.returncode == 1
    assert json.loads(off.stdout)["error"] == "Certificate feature not enabled."
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["success"] is True
    assert second.returncode == 1
    assert json.loads(second.stdout)["error"].startswith("Certificate claim already in progress.")
    body: dict[str, Any] = json.loads(status.stdout)
    assert body["isCompleted"] is True
    assert body["certificate"]["issued"] is False
    assert body["lockAddress"] == "0x" + "44" * 20
    assert reconciled.returncode == 0, reconciled.stderr
    report = json.loads(reconciled.stdout)
    # No EAS configured here: the chain part is skipped and the rest is healed (nothing
    # is stuck: the claim is fresh).
    assert report["chain"] == "skipped: no chain configured"
    assert (report["not_done"], report["completions"], report["auto_claims"]) == ({}, 0, 0)


def test_retry_attestation_command_attests_once_then_finds_it(
    engine: sa.Engine,
    w3: Web3,
    database_url: str,
    admin_database_url: str,
    dev_deployment: DevDeployment,
    cli_env: dict[str, str],
) -> None:
    signer = Signer.from_key(cli_env["SIGNER_PRIVATE_KEY"])
    lock = deploy_lock(w3, signer, "CLI Lock")
    env = {
        **cli_env,
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        "EAS_CONTRACT_ADDRESS": dev_deployment.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": dev_deployment.bootcamp_completion_schema_uid,
    }
    admin_env = {**env, "DATABASE_URL": admin_database_url}  # repairs are admin commands
    settings = settings_for(database_url, **env)
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b", cohort_id="c", milestones=1, lock_address=lock
        )
        seed.enroll_learners(conn, cohort, ["Ada"], [str(Account.create().address)])
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now()"
            )
        )
        [enrollment_id] = cohort.learners.values()
        claims.request_claim(conn, settings, enrollment_id)
    grant_for(Issuer.build(settings, engine), enrollment_id)
    unset = settings.model_copy(update={"bootcamp_completion_schema_uid": None})
    with pytest.raises(AttestationFailed):
        attest_for(Issuer.build(unset, engine), enrollment_id)

    first = run(["retry-attestation", str(enrollment_id), "--json"], admin_env)
    second = run(["retry-attestation", str(enrollment_id), "--json"], admin_env)
    status = run(["status", str(enrollment_id)], env)

    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert made["found"] is False
    assert json.loads(second.stdout) == {"success": True, "found": True, "uid": made["uid"]}
    certificate = json.loads(status.stdout)["certificate"]
    assert certificate["attestationUid"] == made["uid"]
    assert certificate["lastError"] is None
    assert certificate["canRetryAttestation"] is False

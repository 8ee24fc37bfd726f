"""Off-chain attestation mode against real anvil (Unlock + EAS), Postgres, Redis and S3.

Like ``tests/integration/certificates``: each test has its own funded signer
(so its Postgres nonce counter competes with no other test's) and a lock it
manages, plus an S3 bucket of its own so the render actor runs too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from certflow.settings import Settings, load_settings
from chain.deploy import DevDeployment, deploy_lock
from chain.devnode import DevNode, free_port
from chain.transactions import Signer
from db import seed
from issuance.certificates.issuer import Issuer
from render.storage import ObjectStore
from tests.fixtures.database import TEST_ENV, settings_for, wait_until
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.certificates.conftest import flags_on, signer, signer_key
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server, env_of, web_database_url

# Fixtures shared with the on-chain certificate and web suites.
__all__ = ["flags_on", "signer", "signer_key", "web_database_url"]


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str,
    anvil_node: DevNode,
    dev_deployment: DevDeployment,
    signer_key: str,
    signer: Signer,
    s3_server: S3Server,
    s3_bucket: str,
) -> Settings:
    return settings_for(
        database_url,
        REDIS_URL=redis_url,
        **TEST_ENV,
        RPC_URL=anvil_node.url,
        SIGNER_PRIVATE_KEY=signer_key,
        LOCK_MANAGER_ADDRESS=signer.address,
        EAS_CONTRACT_ADDRESS=dev_deployment.eas_contract_address,
        BOOTCAMP_COMPLETION_SCHEMA_UID=dev_deployment.bootcamp_completion_schema_uid,
        BOOTCAMP_CERTIFICATES_ENABLED="true",
        DEV_MINE_WHEN_SLOW="true",
        RECEIPT_TIMEOUT_SECONDS="30",
        RPC_TIMEOUT_SECONDS="10",
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=s3_bucket,
        VERIFY_BASE_URL="https://certs.example.org/verify",
        EAS_EXPLORER_URL="https://easscan.example/attestation/view/{uid}",
    )


@pytest.fixture
def admin_issuer(admin_settings: Settings, engine: sa.Engine) -> Issuer:
    """What `certflow revoke` runs with: the admin's database role and the signer."""
    return Issuer.build(admin_settings, engine)


@pytest.fixture
def issuer(settings: Settings, worker_engine: sa.Engine) -> Issuer:
    return Issuer.build(settings, worker_engine)


@pytest.fixture
def store(settings: Settings) -> ObjectStore:
    return ObjectStore.from_settings(settings, region=settings.s3_region)


Cohort = Callable[..., list[UUID]]


@pytest.fixture
def cohort(engine: sa.Engine, w3: Web3, signer: Signer) -> Cohort:
    """Completed enrollments of a new bootcamp in ``mode`` (set as an admin would), each
    bootcamp with a lock of its own, as deployments have them."""
    counter = iter(range(1000))

    def make(mode: str, count: int = 1, wallets: list[str | None] | None = None) -> list[UUID]:
        n = next(counter)
        lock = deploy_lock(w3, signer, f"Bootcamp Certificate {n}")
        wallets = wallets or [str(Account.create().address) for _ in range(count)]
        with engine.begin() as conn:
            made = seed.create_cohort(
                conn,
                bootcamp_id=f"bootcamp-{mode}-{n}",
                cohort_id=f"cohort-{mode}-{n}",
                milestones=2,
                xp_per_milestone=200,
                bootcamp_title=f"Web3 Foundations ({mode})",
                cohort_name=f"Cohort {n}",
                lock_address=lock,
            )
            conn.execute(
                sa.text("UPDATE bootcamp_programs SET attestation_mode = :mode WHERE id = :id"),
                {"mode": mode, "id": f"bootcamp-{mode}-{n}"},
            )
            added = seed.enroll_learners(
                conn, made, [f"Learner {mode} {n}.{i}" for i in range(len(wallets))], wallets
            )
            conn.execute(
                sa.text(
                    "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                    " completion_date = now(), milestones_completed_at = now()"
                    " WHERE id = ANY(:ids)"
                ),
                {"ids": list(added.values())},
            )
        return list(added.values())

    return make


@pytest.fixture
def site(settings: Settings, web_database_url: str) -> Iterator[Server]:
    env = env_of(settings)
    env.pop("SIGNER_PRIVATE_KEY")
    port = free_port()
    env |= {
        "DATABASE_URL": web_database_url,
        "VERIFY_BASE_URL": f"http://127.0.0.1:{port}/verify",
        "VERIFY_CACHE_SECONDS": "0",  # the revocation must show at once
    }
    with Server(load_settings(env), port) as server:
        yield server


def issue_offchain(engine: sa.Engine, cohort: Cohort) -> tuple[UUID, sa.Row[Any]]:
    """One certificate of an off-chain bootcamp, through the relay and the actors."""
    [enrollment_id] = cohort("offchain", 1)
    assert claim(engine, enrollment_id)["success"] is True
    found = wait_until(
        lambda: rows(
            engine,
            "SELECT * FROM certificates WHERE enrollment_id = :id AND attestation_uid IS NOT NULL",
            id=enrollment_id,
        ),
        timeout=90,
    )
    return enrollment_id, found[0]


def claim(engine: sa.Engine, enrollment_id: UUID) -> dict[str, Any]:
    with engine.begin() as conn:
        result = conn.execute(
            sa.text("SELECT request_certificate_claim(:id)"), {"id": enrollment_id}
        ).scalar_one()
    return dict(result)


def stored(engine: sa.Engine, enrollment_id: UUID) -> sa.Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT * FROM offchain_attestations WHERE enrollment_id = :id"),
            {"id": enrollment_id},
        ).first()

"""Certificates against real anvil + Unlock + EAS, Postgres and Redis.

Each test gets its own signer (a fresh funded account) and a lock that signer
manages, so its Postgres nonce counter never competes with another test's.
The session's dev deployment provides EAS and the registered V2 schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import RPCEndpoint

from certflow.settings import Settings
from chain.deploy import DevDeployment, deploy_lock
from chain.devnode import DevNode
from chain.transactions import Signer
from db import claims, seed
from issuance.certificates.issuer import Issuer
from tests.fixtures.database import TEST_ENV, settings_for


def fund(w3: Web3, address: str, wei: int = 10**20) -> None:
    w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [address, hex(wei)])


def new_key() -> str:
    account: LocalAccount = Account.create()
    return "0x" + account.key.hex().removeprefix("0x")


@pytest.fixture
def signer_key(w3: Web3) -> str:
    key = new_key()
    fund(w3, Signer.from_key(key).address)
    return key


@pytest.fixture
def signer(signer_key: str) -> Signer:
    return Signer.from_key(signer_key)


@pytest.fixture
def lock(w3: Web3, signer: Signer) -> str:
    """A grant-only lock managed by this test's signer."""
    return deploy_lock(w3, signer, "Bootcamp Certificate")


@pytest.fixture
def chain_env(
    anvil_node: DevNode, dev_deployment: DevDeployment, signer_key: str, signer: Signer
) -> dict[str, str]:
    return {
        "RPC_URL": anvil_node.url,
        "SIGNER_PRIVATE_KEY": signer_key,
        "LOCK_MANAGER_ADDRESS": signer.address,
        "EAS_CONTRACT_ADDRESS": dev_deployment.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": dev_deployment.bootcamp_completion_schema_uid,
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        # anvil automine: a transaction that did not fit its block waits for the next one.
        "DEV_MINE_WHEN_SLOW": "true",
        "RECEIPT_TIMEOUT_SECONDS": "30",
        "RPC_TIMEOUT_SECONDS": "10",
    }


@pytest.fixture
def settings(database_url: str, redis_url: str, chain_env: dict[str, str]) -> Settings:
    """The suite's test settings plus a configured chain (overrides the shared fixture)."""
    return settings_for(database_url, REDIS_URL=redis_url, **TEST_ENV, **chain_env)


@pytest.fixture
def issuer(settings: Settings, engine: sa.Engine) -> Issuer:
    return Issuer.build(settings, engine)


@pytest.fixture
def flags_on(engine: sa.Engine, settings: Settings) -> None:
    """The row request_certificate_claim() reads, as `certflow flags` (an admin) writes it."""
    with engine.begin() as conn:
        claims.sync_flags(conn, settings)


Learners = Callable[..., list[UUID]]


@pytest.fixture
def completed_learners(engine: sa.Engine, lock: str) -> Learners:
    """Enrollments completed (as check_completion leaves them) in a cohort of ``lock``."""
    counter = iter(range(1000))

    def make(
        count: int = 1,
        *,
        wallets: list[str | None] | None = None,
        lock_address: str | None = lock,
        completed: bool = True,
    ) -> list[UUID]:
        n = next(counter)
        wallets = wallets or [str(Account.create().address) for _ in range(count)]
        with engine.begin() as conn:
            cohort = seed.create_cohort(
                conn,
                bootcamp_id=f"bootcamp-{n}",
                cohort_id=f"cohort-{n}",
                milestones=3,
                xp_per_milestone=150,
                bootcamp_title="Web3 Foundations",
                cohort_name=f"Cohort {n}",
                lock_address=lock_address,
            )
            added = seed.enroll_learners(
                conn, cohort, [f"Learner {n}.{i}" for i in range(len(wallets))], wallets
            )
            if completed:
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


def enrollment(engine: sa.Engine, enrollment_id: UUID) -> sa.Row[Any]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT e.*, u.wallet_address FROM bootcamp_enrollments e"
                " JOIN user_profiles u ON u.id = e.user_profile_id WHERE e.id = :id"
            ),
            {"id": enrollment_id},
        ).one()


def claim(engine: sa.Engine, enrollment_id: UUID) -> dict[str, Any]:
    """What the app's button does: the SQL function."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.text("SELECT request_certificate_claim(:id)"), {"id": enrollment_id}
        ).scalar_one()
    return dict(result)


def transfers_to(w3: Web3, lock: str, learner: str) -> list[Any]:
    from chain.lock import lock_contract

    contract = lock_contract(w3, lock)
    return list(contract.events.Transfer().get_logs(from_block=0, argument_filters={"to": learner}))


@pytest.fixture
def pipeline(relay: Any, worker: Any) -> None:
    """Relay and an in-process worker on every queue."""

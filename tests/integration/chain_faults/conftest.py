"""Faults of a real chain, injected into anvil running the real PublicLock and EAS.

The faults change the whole node (base fee, mempool, blocks), so this folder
has an anvil of its own, apart from the session's. Each test still gets its
own signer (a fresh funded account) and a lock that signer manages, so its
nonces and keys are its own; tests that stop the node get a node of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

import pytest
import sqlalchemy as sa
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from certflow.errors import CertflowError
from certflow.settings import Settings
from chain.deploy import DevDeployment, deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer
from db import claims
from issuance.certificates.issuer import Issuer
from tests.fixtures.anvil import DEV_KEY
from tests.fixtures.database import TEST_ENV, settings_for
from tests.integration.chain_faults.harness import FAULT_ENV, fund


def start_node() -> DevNode:
    node = DevNode()
    try:
        node.start()
    except CertflowError as exc:
        node.close()
        pytest.fail(f"anvil cannot start: {exc}")
    return node


@pytest.fixture(scope="package")
def fault_node() -> Iterator[DevNode]:
    node = start_node()
    yield node
    node.close()


@pytest.fixture(scope="package")
def fault_deployment(fault_node: DevNode) -> DevDeployment:
    return deploy_dev(make_web3(fault_node.url, 10), Signer.from_key(DEV_KEY))


@pytest.fixture
def node(fault_node: DevNode) -> DevNode:
    """The node this test runs on (tests that stop it override this)."""
    return fault_node


@pytest.fixture
def deployment(fault_deployment: DevDeployment) -> DevDeployment:
    return fault_deployment


@pytest.fixture
def fw3(node: DevNode) -> Web3:
    return make_web3(node.url, timeout_seconds=10)


@pytest.fixture
def signer_key(fw3: Web3) -> str:
    account: LocalAccount = Account.create()
    key = "0x" + account.key.hex().removeprefix("0x")
    fund(fw3, Signer.from_key(key).address)
    return key


@pytest.fixture
def signer(signer_key: str) -> Signer:
    return Signer.from_key(signer_key)


@pytest.fixture
def lock(fw3: Web3, signer: Signer) -> str:
    return deploy_lock(fw3, signer, "Bootcamp Certificate")


@pytest.fixture
def chain_env(
    node: DevNode, deployment: DevDeployment, signer_key: str, signer: Signer
) -> dict[str, str]:
    return {
        **FAULT_ENV,
        "RPC_URL": node.url,
        "SIGNER_PRIVATE_KEY": signer_key,
        "LOCK_MANAGER_ADDRESS": signer.address,
        "EAS_CONTRACT_ADDRESS": deployment.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": deployment.bootcamp_completion_schema_uid,
    }


@pytest.fixture
def settings(database_url: str, redis_url: str, chain_env: dict[str, str]) -> Settings:
    return settings_for(database_url, REDIS_URL=redis_url, **{**TEST_ENV, **chain_env})


@pytest.fixture
def make_issuer(settings: Settings, engine: sa.Engine) -> Callable[..., Issuer]:
    """An issuer for this test's settings, with some of them changed."""

    def make(**changes: object) -> Issuer:
        return Issuer.build(settings.model_copy(update=changes), engine)

    return make


@pytest.fixture
def issuer(make_issuer: Callable[..., Issuer]) -> Issuer:
    return make_issuer()


@pytest.fixture
def flags_on(engine: sa.Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        claims.sync_flags(conn, settings)


@pytest.fixture
def invariants_for(
    fw3: Web3, engine: sa.Engine, lock: str, deployment: DevDeployment, signer: Signer
) -> Callable[..., dict[str, int]]:
    from tests.integration.chain_faults.harness import chain_invariants

    def check(ids: list[UUID], foreign_keys: frozenset[str] = frozenset()) -> dict[str, int]:
        return chain_invariants(
            fw3,
            engine,
            lock=lock,
            eas=deployment.eas_contract_address,
            schema=deployment.bootcamp_completion_schema_uid,
            signer=signer.address,
            ids=ids,
            foreign_keys=foreign_keys,
        )

    return check

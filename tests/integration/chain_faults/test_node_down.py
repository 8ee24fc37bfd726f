"""6. anvil is stopped with transactions in flight, then restarted from its saved state."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from web3 import Web3

from chain.deploy import DevDeployment, deploy_dev
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer
from issuance.certificates.issuer import Issuer
from tests.fixtures.anvil import DEV_KEY
from tests.integration.chain_faults.conftest import start_node
from tests.integration.chain_faults.harness import (
    OUTAGE_SECONDS,
    Background,
    errors_shown,
    in_flight,
    new_wallets,
    rpc,
    seed_claims,
    wait_for,
)


@pytest.fixture
def node() -> Iterator[DevNode]:
    """A node of this test's own: it is stopped, and its state file (anvil --state,
    written on the way out and loaded on start) carries the chain across."""
    own = start_node()
    yield own
    own.close()


@pytest.fixture
def deployment(node: DevNode) -> DevDeployment:
    return deploy_dev(make_web3(node.url, 10), Signer.from_key(DEV_KEY))


@pytest.mark.slow
def test_node_down_with_transactions_in_flight_resumes_without_failing_or_duplicating(
    engine: sa.Engine,
    node: DevNode,
    fw3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    ids = seed_claims(engine, lock, list(new_wallets(20)))
    rpc(fw3, "evm_setAutomine", False)  # so that transactions are in flight when it stops
    burst = Background(issuer, ids)
    wait_for(lambda: in_flight(engine))
    node.stop()  # the mempool is lost with the process; mined blocks are in the state file
    time.sleep(OUTAGE_SECONDS)
    assert errors_shown(engine, ids) == []
    node.start()  # automine again, as a restarted node mines on its own
    burst.join()

    assert invariants_for(ids) == {"keys": 20, "attestations": 20}
    assert errors_shown(engine, ids) == []

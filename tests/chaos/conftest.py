"""Chaos fixtures: a signer and lock of the test's own on the session's anvil, an S3
server behind a stoppable proxy, a Redis server of the test's own, flags on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from web3 import Web3
from web3.types import RPCEndpoint

from chain.deploy import DevDeployment, deploy_lock
from chain.devnode import DevNode
from chain.transactions import Signer
from db import claims
from render.storage import ObjectStore
from tests.acceptance.processes import env_for
from tests.chaos.cohort import Chain
from tests.chaos.faults import RedisServer, TcpProxy
from tests.fixtures.database import settings_for
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server, s3_settings
from tests.integration.certificates.conftest import fund, new_key

#: Learners per scenario; bench/chaos.py runs the same scenarios with 1,000.
LEARNERS = int(os.environ.get("CHAOS_LEARNERS", "24"))


@pytest.fixture
def chain(w3: Web3, dev_deployment: DevDeployment) -> tuple[Chain, str]:
    key = new_key()
    signer = Signer.from_key(key)
    # The session's chain carries the base fee earlier bursts drove up (full blocks raise
    # it 12.5% each): start each scenario at 1 gwei, with funds for 1,000 certificates.
    w3.provider.make_request(RPCEndpoint("anvil_setNextBlockBaseFeePerGas"), [hex(10**9)])
    fund(w3, signer.address, 10**24)
    lock = deploy_lock(w3, signer, "Chaos Certificate")
    found = Chain(
        w3,
        lock,
        dev_deployment.eas_contract_address,
        dev_deployment.bootcamp_completion_schema_uid,
        signer.address,
    )
    return found, key


@pytest.fixture
def s3_proxy(s3_server: S3Server) -> Iterator[TcpProxy]:
    proxy = TcpProxy(s3_server.port)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chaos_env(
    database_url: str,
    own_redis: RedisServer,
    anvil_node: DevNode,
    chain: tuple[Chain, str],
    s3_proxy: TcpProxy,
    engine: sa.Engine,
) -> dict[str, str]:
    """The processes' environment (the worker LOGIN user), and the flags an admin set."""
    found, key = chain
    env = env_for(
        database_url,
        own_redis.url,
        BROKER_NAMESPACE=f"chaos-{uuid.uuid4().hex[:8]}",
        RPC_URL=anvil_node.url,
        SIGNER_PRIVATE_KEY=key,
        LOCK_MANAGER_ADDRESS=found.attester,
        EAS_CONTRACT_ADDRESS=found.eas,
        BOOTCAMP_COMPLETION_SCHEMA_UID=found.schema,
        BOOTCAMP_CERTIFICATES_ENABLED="true",
        AUTO_CLAIM="true",
        DEV_MINE_WHEN_SLOW="true",
        S3_ENDPOINT=s3_proxy.endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=f"chaos-{uuid.uuid4().hex[:12]}",
        RELAY_POLL_SECONDS="0.2",
        RECONCILE_AFTER_SECONDS="5",
        SCHEDULE_RECONCILE_SECONDS="2",
        REDELIVER_AFTER_SECONDS="10",
        BATCH_STALE_SECONDS="10",
        WORKER_HEARTBEAT_TIMEOUT_MS="5000",
        BROKER_MAINTENANCE_CHANCE="100000",
        # Backoff that outlasts a 30 s storage outage before giving up.
        MAX_RETRIES="12",
        MIN_BACKOFF_MS="200",
        MAX_BACKOFF_MS="8000",
        RECEIPT_TIMEOUT_SECONDS="20",
        RPC_TIMEOUT_SECONDS="10",
        LOG_LEVEL="INFO",
    )
    with engine.begin() as conn:  # `certflow flags`, as the admin
        claims.sync_flags(conn, settings_for(database_url, **env))
    return env


@pytest.fixture
def chaos_store(chaos_env: dict[str, str], s3_server: S3Server) -> ObjectStore:
    """The bucket as the test reads it: straight from the server, not through the proxy."""
    return ObjectStore.from_settings(s3_settings(s3_server.endpoint, chaos_env["S3_BUCKET"]))

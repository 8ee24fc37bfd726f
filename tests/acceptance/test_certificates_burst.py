"""Many claims at once across real `certflow worker` processes: one key each, no nonce errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from chain.deploy import DevDeployment, deploy_lock
from chain.devnode import DevNode
from chain.lock import lock_contract
from chain.transactions import Signer
from db import claims, seed
from tests.acceptance.processes import env_for, running, stop
from tests.fixtures.database import settings_for, wait_until
from tests.integration.certificates.conftest import fund, new_key
from tests.integration.helpers import rows, scalar

pytestmark = pytest.mark.slow

LEARNERS = 200
#: Redis database of its own: another test session flushing db 15 must not eat our messages.
REDIS_DB = 11


def _done(engine: sa.Engine) -> int:
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM bootcamp_enrollments"
            " WHERE certificate_attestation_uid IS NOT NULL",
        )
    )


def test_two_hundred_claims_on_several_worker_processes_give_one_key_each(
    engine: sa.Engine,
    database_url: str,
    redis_url: str,
    broker: object,
    w3: Web3,
    anvil_node: DevNode,
    dev_deployment: DevDeployment,
    tmp_path: Path,
) -> None:
    key = new_key()
    signer = Signer.from_key(key)
    fund(w3, signer.address)
    lock = deploy_lock(w3, signer, "Burst Lock")
    chain_env = {
        "RPC_URL": anvil_node.url,
        "SIGNER_PRIVATE_KEY": key,
        "LOCK_MANAGER_ADDRESS": signer.address,
        "EAS_CONTRACT_ADDRESS": dev_deployment.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": dev_deployment.bootcamp_completion_schema_uid,
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        "DEV_MINE_WHEN_SLOW": "true",
        # Small batches, so that several grants are in flight from both processes at once.
        "GRANT_BATCH_MAX": "20",
        "ATTEST_BATCH_MAX": "15",
    }
    wallets = [str(Account.create().address) for _ in range(LEARNERS)]
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b1", cohort_id="c1", milestones=2, lock_address=lock
        )
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(LEARNERS)], list(wallets))
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now()"
            )
        )
        claims.sync_flags(conn, settings_for(database_url, **chain_env))
    with engine.begin() as conn:  # every button clicked at once, in one statement
        results = (
            conn.execute(sa.text("SELECT request_certificate_claim(id) FROM bootcamp_enrollments"))
            .scalars()
            .all()
        )
    assert all(r["success"] for r in results)

    own_redis = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    redis.Redis.from_url(own_redis).flushdb()
    env = env_for(database_url, own_redis, **chain_env)
    worker_args = ["worker", "--queues", "chain", "--processes", "1", "--threads", "6"]
    with (
        running(["relay"], env, tmp_path / "relay.log") as relay,
        running(worker_args, env, tmp_path / "worker1.log") as worker1,
        running(worker_args, env, tmp_path / "worker2.log") as worker2,
    ):
        wait_until(lambda: _done(engine) == LEARNERS, timeout=180, interval=0.5)
        for proc in (relay, worker1, worker2):
            assert stop(proc) == 0

    contract = lock_contract(w3, lock)
    assert contract.functions.totalSupply().call() == LEARNERS
    transfers = contract.events.Transfer().get_logs(from_block=0)
    assert sorted(t["args"]["to"] for t in transfers) == sorted(wallets)
    hashes = {t["args"]["to"]: "0x" + bytes(t["transactionHash"]).hex() for t in transfers}
    recorded = rows(
        engine,
        "SELECT u.wallet_address, e.certificate_tx_hash, e.certificate_issued,"
        " e.certificate_claim_in_progress FROM bootcamp_enrollments e"
        " JOIN user_profiles u ON u.id = e.user_profile_id",
    )
    assert {r.wallet_address: r.certificate_tx_hash for r in recorded} == hashes
    assert all(r.certificate_issued and not r.certificate_claim_in_progress for r in recorded)
    txs = rows(engine, "SELECT nonce, status, error FROM chain_transactions ORDER BY nonce")
    assert {t.status for t in txs} == {"mined"}
    assert [t.nonce for t in txs] == list(range(txs[0].nonce, txs[0].nonce + len(txs)))
    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0
    assert len({r.certificate_tx_hash for r in recorded}) < LEARNERS // 5  # batched

"""Certificates on chain: gas per certificate and certificates per second, batched vs not.

    .venv/bin/python bench/certificates_burst.py [--learners 1000] [--baseline 50]

Starts its own anvil and database, deploys the dev contracts, then runs the
real processes (one relay, worker processes on the chain queue) twice in the
same run:

  baseline   GRANT_BATCH_MAX=1, ATTEST_BATCH_MAX=1: one grantKeys and one
             attest per certificate (what the source does).
  batched    the defaults: pending grants share one grantKeys, attestations
             one multiAttest.

Each phase: enrollments completed, relay and workers up and idle, then every
claim at once in one statement. Time runs from that commit until the last
attestation is recorded. Gas is summed from the receipts (chain_transactions
gas_used) of the phase's transactions. One figure per line.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._db import bench_database
from certflow.settings import Settings, load_settings
from chain.deploy import deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer
from db import claims, seed
from db.engine import make_engine

#: anvil's dev account 0; worthless off a dev chain.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
REDIS_URL = os.environ.get("CERTFLOW_BENCH_CERT_REDIS", "redis://127.0.0.1:6379/12")
LOGS = Path("var/bench")


def start(args: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / log).open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def seed_completed(engine: sa.Engine, name: str, count: int, lock: str) -> None:
    wallets: list[str | None] = [str(Account.create().address) for _ in range(count)]
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id=f"bootcamp-{name}",
            cohort_id=f"cohort-{name}",
            milestones=4,
            bootcamp_title="Web3 Foundations",
            cohort_name=f"Cohort {name}",
            lock_address=lock,
        )
        seed.enroll_learners(conn, cohort, [f"{name} {i}" for i in range(count)], wallets)
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now() WHERE cohort_id = :c"
            ),
            {"c": cohort.cohort_id},
        )


def scalar(engine: sa.Engine, statement: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(statement), params).scalar()


def run_phase(
    engine: sa.Engine, env: dict[str, str], name: str, count: int, lock: str, workers: int
) -> dict[str, float]:
    seed_completed(engine, name, count, lock)
    cohort = f"cohort-{name}"
    first_tx = int(scalar(engine, "SELECT coalesce(max(id), 0) FROM chain_transactions"))
    redis.Redis.from_url(REDIS_URL).flushdb()
    relay = start(["relay"], env, f"certs-{name}-relay.log")
    worker = start(
        ["worker", "-Q", "chain", "--processes", str(workers), "--threads", "8"],
        env,
        f"certs-{name}-worker.log",
    )
    time.sleep(4)  # processes up and idle before the burst
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT request_certificate_claim(id) FROM bootcamp_enrollments"
                    " WHERE cohort_id = :c"
                ),
                {"c": cohort},
            ).all()
        started = time.monotonic()
        deadline = started + 600
        done = 0
        while done < count and time.monotonic() < deadline:
            time.sleep(0.1)
            done = int(
                scalar(
                    engine,
                    "SELECT count(*) FROM bootcamp_enrollments WHERE cohort_id = :c"
                    " AND certificate_attestation_uid IS NOT NULL",
                    c=cohort,
                )
            )
        elapsed = time.monotonic() - started
    finally:
        stop(relay, worker)
    if done < count:
        raise SystemExit(f"{name}: only {done}/{count} certificates after {elapsed:.0f}s")
    return _figures(engine, first_tx, count, elapsed)


def _figures(engine: sa.Engine, first_tx: int, count: int, elapsed: float) -> dict[str, float]:
    """Gas per certificate and transactions, from the receipts recorded since ``first_tx``."""
    with engine.connect() as conn:
        gas = {
            row.intent: (int(row.gas), int(row.txs))
            for row in conn.execute(
                sa.text(
                    "SELECT intent, sum(gas_used) AS gas, count(*) AS txs FROM chain_transactions"
                    " WHERE id > :first AND status = 'mined' GROUP BY intent"
                ),
                {"first": first_tx},
            )
        }
    keys_gas, key_txs = gas.get("grant_keys", (0, 0))
    attest_gas, attest_txs = gas.get("multi_attest", (0, 0))
    return {
        "seconds": elapsed,
        "per_second": count / elapsed,
        "gas_per_certificate": (keys_gas + attest_gas) / count,
        "gas_per_key": keys_gas / count,
        "gas_per_attestation": attest_gas / count,
        "grant_txs": key_txs,
        "attest_txs": attest_txs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    args = parser.parse_args()

    with DevNode() as node, bench_database("certflow_certs") as base:
        w3, signer = make_web3(node.url), Signer.from_key(DEV_KEY)
        dev = deploy_dev(w3, signer)
        # Every lock first: afterwards the signer's nonces belong to the workers.
        baseline_lock = deploy_lock(w3, signer, "Baseline Lock")
        batched_lock = deploy_lock(w3, signer, "Batched Lock")
        env = {
            "DATABASE_URL": base.database_url,
            "REDIS_URL": REDIS_URL,
            "RPC_URL": node.url,
            "SIGNER_PRIVATE_KEY": DEV_KEY,
            "LOCK_MANAGER_ADDRESS": signer.address,
            "EAS_CONTRACT_ADDRESS": dev.eas_contract_address,
            "BOOTCAMP_COMPLETION_SCHEMA_UID": dev.bootcamp_completion_schema_uid,
            "BOOTCAMP_CERTIFICATES_ENABLED": "true",
            # anvil automine leaves a tx that did not fit its block waiting for the next one.
            "DEV_MINE_WHEN_SLOW": "true",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
        }
        settings: Settings = load_settings({**os.environ, **env})
        engine = make_engine(settings, pool_size=2)
        with engine.begin() as conn:
            claims.sync_flags(conn, settings)
        unbatched_env = {**env, "GRANT_BATCH_MAX": "1", "ATTEST_BATCH_MAX": "1"}
        base_run = run_phase(
            engine, unbatched_env, "baseline", args.baseline, baseline_lock, args.workers
        )
        batched = run_phase(engine, env, "batched", args.learners, batched_lock, args.workers)
        engine.dispose()

    print(f"baseline (unbatched) gas per certificate: {base_run['gas_per_certificate']:,.0f}")
    print(f"batched gas per certificate: {batched['gas_per_certificate']:,.0f}")
    print(
        f"baseline gas per key / per attestation: {base_run['gas_per_key']:,.0f}"
        f" / {base_run['gas_per_attestation']:,.0f}"
    )
    print(
        f"batched gas per key / per attestation: {batched['gas_per_key']:,.0f}"
        f" / {batched['gas_per_attestation']:,.0f}"
    )
    print(
        f"batched transactions: {batched['grant_txs']:.0f} grantKeys,"
        f" {batched['attest_txs']:.0f} multiAttest"
    )
    print(
        f"baseline (unbatched) certificates per second, {args.baseline} claims:"
        f" {base_run['per_second']:.1f}"
    )
    print(f"batched certificates per second, {args.learners} claims: {batched['per_second']:.1f}")
    print(f"batched time to {args.learners} certificates on chain: {batched['seconds']:.1f} s")


if __name__ == "__main__":
    main()

"""A burst of certificate claims: time until everything is final, and gas per certificate.

    .venv/bin/python bench/certificates_burst.py [--learners 1000] [--unbatched 50]

Starts its own anvil (automine, as before: a block per transaction as it
arrives, and DEV_MINE_WHEN_SLOW for a transaction that did not fit its
block), a local S3 server and a database, deploys the dev contracts, then
runs the real processes (one relay, chain workers, render workers) for each
phase in the same run:

  unbatched  GRANT_BATCH_MAX=1, ATTEST_BATCH_MAX=1: one grantKeys and one
             attest per certificate (what the source does); gas figures.
  baseline   the previous configuration: ATTEST_BATCH_MAX=45, chain 2
             processes x 8 threads, render as the Procfile (1 x 2). Today's
             code: what this run cannot switch off (the warm-up at boot, gas
             estimates asked once, the ledger's unflushed commit) it has too.
  tuned      today's defaults, render 2 processes x 2 threads.

Each phase: enrollments completed, processes up and idle, then every claim
at once in one statement. Two times from that commit: until every key and
attestation is recorded on chain final (CHAIN_CONFIRMATIONS=0, as before),
and until every enrollment also has its PDF (printed with the attestation)
stored and recorded. Then where the time went, stage by stage, from the
rows' timestamps, and the CPU seconds of each process type during the
burst (the machine has 2 cores). Gas is summed from the receipts.
CERTFLOW_BENCH_PER_TX=1 adds a line per transaction.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._burst_procs import S3_KEYS, Layout, cpu_by_role, s3_server, start_phase, stop
from bench._burst_stages import stage_lines
from bench._db import bench_database
from bench._smoke import parse_args
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
#: Every certificate of the cohort stored, printed with its attestation.
DONE = """
SELECT count(*) FROM bootcamp_enrollments e JOIN certificates c ON c.enrollment_id = e.id
WHERE e.cohort_id = :c AND c.attestation_uid IS NOT NULL
"""
#: The previous configuration: the bench's old chain layout, the Procfile's render.
BASELINE = Layout(chain=(2, 8), render=(1, 2))
#: Rendering is CPU-bound (the GIL): a process per core, so PDFs keep pace with the chain.
TUNED = Layout(chain=(2, 8), render=(2, 4))
#: Print one line per transaction too (when it was formed, signed, recorded).
PER_TX = bool(os.environ.get("CERTFLOW_BENCH_PER_TX"))


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


def claim_all(engine: sa.Engine, cohort: str) -> Any:
    """Every claim at once, in one statement; the commit's time on the database clock."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "SELECT request_certificate_claim(id) FROM bootcamp_enrollments"
                " WHERE cohort_id = :c"
            ),
            {"c": cohort},
        ).all()
    return scalar(engine, "SELECT clock_timestamp()")


def run_phase(
    engine: sa.Engine,
    env: dict[str, str],
    name: str,
    count: int,
    lock: str,
    layout: Layout,
    others: dict[str, list[int]],
) -> dict[str, Any]:
    seed_completed(engine, name, count, lock)
    cohort = f"cohort-{name}"
    first_tx = int(scalar(engine, "SELECT coalesce(max(id), 0) FROM chain_transactions"))
    redis.Redis.from_url(REDIS_URL).flushdb()
    procs = start_phase(env, name, layout)
    roles = {"relay": [procs[0].pid], "chain workers": [procs[1].pid]}
    roles |= {"render workers": [procs[2].pid], **others}
    time.sleep(5)  # processes up and idle before the burst
    try:
        cpu_before = cpu_by_role(roles)
        t0 = claim_all(engine, cohort)
        started = time.monotonic()
        deadline = started + 600
        done = 0
        while done < count and time.monotonic() < deadline:
            time.sleep(0.1)
            done = int(scalar(engine, DONE, c=cohort))
        elapsed = time.monotonic() - started
        cpu = {role: used - cpu_before[role] for role, used in cpu_by_role(roles).items()}
    finally:
        stop(*procs)
    if done < count:
        raise SystemExit(f"{name}: only {done}/{count} certificates after {elapsed:.0f}s")
    figures = _figures(engine, first_tx, count, elapsed)
    figures["stages"], at = stage_lines(engine, cohort, t0, name, per_tx=PER_TX)
    figures["chain_final"] = at["attested_last"]
    figures["stages"].append(
        f"{name} CPU seconds during the burst: "
        + ", ".join(f"{role} {used:.1f}" for role, used in cpu.items())
    )
    return figures


def _figures(engine: sa.Engine, first_tx: int, count: int, elapsed: float) -> dict[str, Any]:
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


def base_env(node_url: str, database_url: str, s3: str, signer: Signer, dev: Any) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "RPC_URL": node_url,
        "SIGNER_PRIVATE_KEY": DEV_KEY,
        "LOCK_MANAGER_ADDRESS": signer.address,
        "EAS_CONTRACT_ADDRESS": dev.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": dev.bootcamp_completion_schema_uid,
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        # anvil automine leaves a tx that did not fit its block waiting for the next one.
        "DEV_MINE_WHEN_SLOW": "true",
        "S3_ENDPOINT": s3,
        "S3_BUCKET": "bench-certificates",
        **S3_KEYS,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }


def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    with s3_server() as s3, DevNode() as node, bench_database("certflow_certs") as base:
        w3, signer = make_web3(node.url), Signer.from_key(DEV_KEY)
        dev = deploy_dev(w3, signer)
        # Every lock first: afterwards the signer's nonces belong to the workers.
        locks = {name: deploy_lock(w3, signer, f"{name} lock") for name in args.phases}
        env = base_env(node.url, base.database_url, s3.endpoint, signer, dev)
        anvil = getattr(node, "_process", None)
        others = {"anvil": [anvil.pid] if anvil else [], "S3 server": [s3.pid]}
        settings: Settings = load_settings({**os.environ, **env})
        engine = make_engine(settings, pool_size=2)
        with engine.begin() as conn:
            claims.sync_flags(conn, settings)
        phases = {
            "unbatched": ({"GRANT_BATCH_MAX": "1", "ATTEST_BATCH_MAX": "1"}, args.unbatched),
            "baseline": ({"ATTEST_BATCH_MAX": "45"}, args.learners),
            "tuned": ({}, args.learners),
        }
        results = {}
        for name in args.phases:
            extra, count = phases[name]
            layout = TUNED if name == "tuned" else BASELINE
            results[name] = run_phase(
                engine, {**env, **extra}, name, count, locks[name], layout, others
            )
        engine.dispose()
    return results


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> None:
    for name, r in results.items():
        print(f"{name} gas per certificate: {r['gas_per_certificate']:,.0f}")
        print(
            f"{name} gas per key / per attestation: {r['gas_per_key']:,.0f}"
            f" / {r['gas_per_attestation']:,.0f}"
        )
        print(f"{name} transactions: {r['grant_txs']:.0f} grantKeys, {r['attest_txs']:.0f} attest")
        print(f"{name} certificates per second: {r['per_second']:.1f}")
        for line in r["stages"]:
            print(line)
    for name, layout in (("baseline", BASELINE), ("tuned", TUNED)):
        if name in results:
            print(
                f"{name} ({layout.describe()}) time to {args.learners} keys and attestations"
                f" final on chain: {results[name]['chain_final']:.1f} s"
            )
            print(
                f"{name} ({layout.describe()}) time to {args.learners} certificates final"
                f" (attested, PDF stored): {results[name]['seconds']:.1f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--unbatched", type=int, default=50)
    parser.add_argument(
        "--phases",
        nargs="+",
        default=["unbatched", "baseline", "tuned"],
        choices=["unbatched", "baseline", "tuned"],
    )
    args = parse_args(parser, learners=4, unbatched=2, phases=["baseline", "tuned"])
    report(args, run(args))


if __name__ == "__main__":
    main()

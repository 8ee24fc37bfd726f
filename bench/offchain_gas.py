"""Gas per certificate for 1,000 claims: on-chain attestation (baseline) vs off-chain.

    .venv/bin/python bench/offchain_gas.py [--claims 1000]

Starts its own anvil (the real PublicLock V15 and EAS) and database, then, in
the same run, issues ``--claims`` certificates in each mode through the
issuance passes the actors call (``grant_for`` then ``attest_for`` for every
claimed enrollment, in claim order, as a chain worker meets the burst): one
bootcamp in the default on-chain mode (grantKeys + multiAttest), one with
``attestation_mode = 'offchain'`` (grantKeys + EIP-712 attestations whose
UIDs are anchored with multiTimestamp), and the off-chain mode again with
ANCHOR_MERKLE (each batch's UIDs anchored as one Merkle root with timestamp).
Gas is summed from the receipts recorded in ``chain_transactions``; it is
deterministic, so one run is enough. One figure per line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._db import bench_database
from bench._smoke import parse_args
from certflow.logging import configure_logging
from certflow.settings import load_settings
from chain.deploy import deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer
from db import claims, seed
from db.engine import make_engine
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer

#: anvil's dev account 0; worthless off a dev chain.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#: Issue 13's target for the off-chain mode.
OFFCHAIN_TARGET = 175_000
#: One bootcamp (and lock) per phase: on chain, off chain per UID, off chain per Merkle root.
PHASES = ("onchain", "offchain", "merkle")


def seed_claimed(engine: sa.Engine, name: str, mode: str, count: int, lock: str) -> list[UUID]:
    """A completed cohort of ``count`` learners in a bootcamp of ``mode``, every one claimed."""
    wallets: list[str | None] = [str(Account.create().address) for _ in range(count)]
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id=f"bootcamp-{name}",
            cohort_id=f"cohort-{name}",
            milestones=4,
            bootcamp_title="Web3 Foundations",
            cohort_name=f"Web3 Foundations, January 2025 ({mode})",
            lock_address=lock,
        )
        conn.execute(
            sa.text("UPDATE bootcamp_programs SET attestation_mode = :m WHERE id = :b"),
            {"m": mode, "b": f"bootcamp-{name}"},
        )
        added = seed.enroll_learners(conn, cohort, [f"{name} {i}" for i in range(count)], wallets)
        ids = list(added.values())
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now() WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        conn.execute(
            sa.text("SELECT request_certificate_claim(id) FROM unnest(CAST(:ids AS uuid[])) id"),
            {"ids": ids},
        ).all()
    return ids


def run_phase(issuer: Issuer, name: str, mode: str, count: int, lock: str) -> dict[str, Any]:
    ids = seed_claimed(issuer.engine, name, mode, count, lock)
    first_tx = _scalar(issuer.engine, "SELECT coalesce(max(id), 0) FROM chain_transactions")
    started = time.monotonic()
    for enrollment_id in ids:
        grant_for(issuer, enrollment_id)
    for enrollment_id in ids:
        attest_for(issuer, enrollment_id)
    elapsed = time.monotonic() - started
    done = _scalar(
        issuer.engine,
        "SELECT count(*) FROM bootcamp_enrollments WHERE id = ANY(:ids)"
        " AND certificate_attestation_uid IS NOT NULL",
        ids=ids,
    )
    if done != count:
        raise SystemExit(f"{name}: only {done}/{count} certificates attested")
    return {"seconds": elapsed, "gas": _gas_by_intent(issuer.engine, first_tx)}


def _scalar(engine: sa.Engine, statement: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(statement), params).scalar_one())


def _gas_by_intent(engine: sa.Engine, first_tx: int) -> dict[str, tuple[int, int]]:
    """{intent: (gas, transactions)} of the receipts recorded since ``first_tx``."""
    with engine.connect() as conn:
        return {
            row.intent: (int(row.gas), int(row.txs))
            for row in conn.execute(
                sa.text(
                    "SELECT intent, sum(gas_used) AS gas, count(*) AS txs FROM chain_transactions"
                    " WHERE id > :first AND status = 'mined' GROUP BY intent"
                ),
                {"first": first_tx},
            )
        }


def report(mode: str, label: str, figures: dict[str, Any], count: int) -> int:
    gas: dict[str, tuple[int, int]] = figures["gas"]
    total = sum(g for g, _ in gas.values())
    parts = ", ".join(f"{intent} {g // count:,} in {txs} tx" for intent, (g, txs) in gas.items())
    print(f"{label}: {total // count:,} gas per certificate ({parts}; {count:,} claims)")
    print(f"{mode} issuance time, {count:,} claims: {figures['seconds']:.1f} s")
    return total // count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    args = parse_args(parser, claims=10)
    with DevNode() as node, bench_database("certflow_offchain") as base:
        w3, signer = make_web3(node.url), Signer.from_key(DEV_KEY)
        dev = deploy_dev(w3, signer)
        locks = {name: deploy_lock(w3, signer, f"{name} lock") for name in PHASES}
        env = {
            **dev.env(),
            "DATABASE_URL": base.database_url,
            "RPC_URL": node.url,
            "SIGNER_PRIVATE_KEY": DEV_KEY,
            "LOCK_MANAGER_ADDRESS": signer.address,
            "BOOTCAMP_CERTIFICATES_ENABLED": "true",
            "DEV_MINE_WHEN_SLOW": "true",
            "LOG_LEVEL": "WARNING",
        }
        settings = load_settings({**os.environ, **env})
        configure_logging(settings)
        engine = make_engine(settings, pool_size=2)
        with engine.begin() as conn:
            claims.sync_flags(conn, settings)
        issuer = Issuer.build(settings, engine)
        merkle = Issuer.build(settings.model_copy(update={"anchor_merkle": True}), engine)
        onchain = run_phase(issuer, "onchain", "onchain", args.claims, locks["onchain"])
        offchain = run_phase(issuer, "offchain", "offchain", args.claims, locks["offchain"])
        root = run_phase(merkle, "merkle", "offchain", args.claims, locks["merkle"])
        engine.dispose()
    report("onchain", "on-chain attestation (baseline)", onchain, args.claims)
    per_cert = report("offchain", "off-chain attestation + multiTimestamp", offchain, args.claims)
    verdict = "under" if per_cert < OFFCHAIN_TARGET else "OVER"
    print(f"off-chain gas per certificate vs the {OFFCHAIN_TARGET:,} target: {verdict}")
    report(
        "merkle", "off-chain attestation + Merkle root timestamp (ANCHOR_MERKLE)", root, args.claims
    )


if __name__ == "__main__":
    main()

"""Time to retry a cohort's failed attestations: the bulk command vs one retry per enrollment.

    .venv/bin/python bench/retry_attestations.py [--enrollments 500] [--baseline 50]

Starts its own anvil (the real PublicLock and EAS) and database. Two cohorts
get keys granted (batched grantKeys) and every attestation failed (a wrong
schema UID, as on a bad deploy). Then ``certflow retry-attestations --cohort``
(in process: the command, its audit row and its batches, without Python's
start-up) retries the first cohort, and the source's path, one
``retry_attestation`` per enrollment, the second (the baseline). One figure
per line; the baseline's seconds are also scaled to ``--enrollments``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from click.testing import CliRunner
from eth_account import Account

from bench._db import bench_database, median
from bench._smoke import parse_args
from certflow.errors import AttestationFailed
from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings
from chain.deploy import DevDeployment, deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer
from cli.main import main as certflow
from db import claims
from db.engine import make_engine
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.operations.attest_retry import retry_attestation
from tests.fixtures.anvil import DEV_KEY
from tests.integration.chain_faults.harness import fund, new_wallets, seed_claims
from tests.integration.helpers import scalar


def chain_settings(base: Settings, node: DevNode, dev: DevDeployment) -> dict[str, str]:
    key = "0x" + Account.create().key.hex().removeprefix("0x")
    w3 = make_web3(node.url, 10)
    fund(w3, Signer.from_key(key).address)
    dumped = base.model_dump(by_alias=True, exclude_none=True, mode="json")
    return {
        **{name: str(value) for name, value in dumped.items()},
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        "DEV_MINE_WHEN_SLOW": "true",
        "SIGNER_PRIVATE_KEY": key,
        "LOCK_MANAGER_ADDRESS": Signer.from_key(key).address,
        "RPC_URL": node.url,
        "EAS_CONTRACT_ADDRESS": dev.eas_contract_address,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": dev.bootcamp_completion_schema_uid,
        "RECEIPT_TIMEOUT_SECONDS": "30",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }


def failed_cohort(issuer: Issuer, broken: Issuer, lock: str, count: int) -> list[UUID]:
    """A cohort of ``count`` keys granted whose attestations all failed."""
    ids = seed_claims(issuer.engine, lock, list(new_wallets(count)))
    while pending := _ids(issuer, ids, "NOT certificate_issued"):
        grant_for(issuer, pending[0])  # one grantKeys for up to GRANT_BATCH_MAX claims
    while pending := _ids(issuer, ids, "certificate_attestation_failed_at IS NULL"):
        with contextlib.suppress(AttestationFailed):
            attest_for(broken, pending[0])
    return ids


def _ids(issuer: Issuer, ids: list[UUID], where: str) -> list[UUID]:
    with issuer.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT id FROM bootcamp_enrollments WHERE id = ANY(%(ids)s) AND {where} ORDER BY id",
            {"ids": ids},
        )
        return [row.id for row in rows]


def cohort_of(issuer: Issuer, enrollment_id: UUID) -> str:
    return str(
        scalar(
            issuer.engine,
            "SELECT cohort_id FROM bootcamp_enrollments WHERE id = :id",
            id=enrollment_id,
        )
    )


def measure(
    issuer: Issuer, broken: Issuer, lock: str, enrollments: int, baseline: int
) -> tuple[float, float]:
    """One run: seconds of the bulk command on ``enrollments``, of the loop on ``baseline``."""
    bulk = failed_cohort(issuer, broken, lock, enrollments)
    each = failed_cohort(issuer, broken, lock, baseline)
    command = ["retry-attestations", "--cohort", cohort_of(issuer, bulk[0]), "--json"]
    started = time.perf_counter()
    out = CliRunner().invoke(certflow, command)
    bulk_seconds = time.perf_counter() - started
    assert out.exit_code == 0, out.output
    assert not _ids(issuer, bulk, "certificate_attestation_uid IS NULL"), out.output

    started = time.perf_counter()
    for enrollment_id in each:
        retry_attestation(issuer, enrollment_id)
    each_seconds = time.perf_counter() - started
    assert not _ids(issuer, each, "certificate_attestation_uid IS NULL")
    return bulk_seconds, each_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrollments", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parse_args(parser, enrollments=10, baseline=5, runs=1)
    with bench_database("certflow_bench_retry") as base, DevNode() as node:
        dev = deploy_dev(make_web3(node.url, 10), Signer.from_key(DEV_KEY))
        env = chain_settings(base, node, dev)
        settings = load_settings(env)
        configure_logging(settings)
        os.environ.update(env)  # what the command reads
        engine = make_engine(settings, pool_size=4)
        issuer = Issuer.build(settings, engine)
        broken = Issuer.build(
            settings.model_copy(update={"bootcamp_completion_schema_uid": "0x" + "12" * 32}),
            engine,
        )
        with engine.begin() as conn:
            claims.sync_flags(conn, settings)
        lock = deploy_lock(issuer.w3, issuer.sender.signer, "Bench Certificate")
        runs = [
            measure(issuer, broken, lock, args.enrollments, args.baseline) for _ in range(args.runs)
        ]
        engine.dispose()
    report(args.enrollments, args.baseline, runs)
    return 0


def report(enrollments: int, baseline: int, runs: list[tuple[float, float]]) -> None:
    bulk = median([b for b, _ in runs])
    each = median([e for _, e in runs])
    scaled = each / baseline * enrollments
    print(f"enrollments: {enrollments}, baseline enrollments: {baseline}, runs: {len(runs)}")
    print(f"retry_attestations_command_seconds (median): {bulk:.3f}")
    print(f"  each run: {', '.join(f'{b:.3f}' for b, _ in runs)}")
    print(f"per_enrollment_retry_seconds (baseline, {baseline} enrollments, median): {each:.3f}")
    print(f"  each run: {', '.join(f'{e:.3f}' for _, e in runs)}")
    print(f"per_enrollment_retry_scaled_to_{enrollments}_seconds: {scaled:.3f}")
    print(f"speedup: {scaled / bulk:.1f}x")


if __name__ == "__main__":
    sys.exit(main())

"""The main job end to end on one machine, for people trying certflow.

It migrates, brings up what is not there (a dev chain with the real Unlock and
EAS contracts, an S3-compatible server), starts a relay and a worker as real
processes (as the Procfile does), seeds a bootcamp with a cohort, milestones
and learners, completes their milestones the way an app would, and follows
each learner through completion, automatic claim, key, attestation and PDF.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import sqlalchemy as sa
from eth_account import Account
from psycopg import sql
from tqdm import tqdm

from certflow.settings import Settings, load_settings
from chain.deploy import deploy_dev
from chain.devnode import DevNode, free_port, rpc_answers
from chain.rpc import make_web3
from chain.sender import Signer
from db import certificate_pdfs, outbox, seed
from db.engine import make_engine, transaction
from db.migrate import migrate
from render.service import store_for

LOG_DIR = Path("var/demo")
# anvil's published development key 0: used only on the dev node this demo starts itself.
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
NAMES = [
    "Ada Lovelace", "Amélie Dubois", "Ольга Ладыженская", "Γεώργιος Παπανικολάου", "李娜",
    "山田 花子", "김민준", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Tim Berners-Lee",
    "Margaret Hamilton", "Barbara Liskov", "Radia Perlman", "Donald Knuth",
]  # fmt: skip


DEMO_DATABASE = "certflow_demo"
DEMO_NAMESPACE = "certflow-demo"


def fresh_demo_database(settings: Settings) -> str:
    """The demo's own database, new each run, on the configured server.

    Each run starts a new dev chain, so state from an earlier run (nonce
    counters, pending transactions, queued messages) would point at a chain
    that is gone. The configured database itself is never touched.
    """
    admin = psycopg.conninfo.make_conninfo(settings.libpq_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(DEMO_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    url = sa.engine.make_url(settings.libpq_url).set(database=DEMO_DATABASE)
    return url.render_as_string(hide_password=False)


def clear_demo_queues(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(match=f"{DEMO_NAMESPACE}*", count=1000))
    if keys:
        client.delete(*keys)


@contextmanager
def process(argv: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process stopped with SIGTERM, as an orchestrator would stop it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 1):
            return True
    except OSError:
        return False


def _chain(settings: Settings, stack: ExitStack) -> dict[str, str]:
    """A node with the contracts deployed: the given RPC_URL, or a dev node of our own."""
    env: dict[str, str] = {}
    key = settings.signer_private_key.get_secret_value() if settings.signer_private_key else None
    rpc_url = settings.rpc_url
    if not rpc_answers(rpc_url):
        node = stack.enter_context(DevNode(chain_id=settings.chain_id))
        rpc_url, key = node.url, ANVIL_DEV_KEY
        print(f"started a dev chain (anvil) at {rpc_url}")
    if key is None:
        raise SystemExit("RPC_URL answers but SIGNER_PRIVATE_KEY is not set")
    deployment = deploy_dev(make_web3(rpc_url), Signer.from_key(key))
    print(
        f"deployed PublicLock {deployment.lock_address} and EAS {deployment.eas_contract_address}"
    )
    env.update(deployment.env())
    env.update(RPC_URL=rpc_url, SIGNER_PRIVATE_KEY=key)
    return env


def _storage(settings: Settings, stack: ExitStack) -> dict[str, str]:
    """The given S3 endpoint, or a local S3-compatible server (moto) of our own."""
    if _port_open(settings.s3_endpoint) and settings.s3_access_key:
        return {}
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    stack.enter_context(process(argv, LOG_DIR / "s3.log", dict(os.environ)))
    deadline = time.monotonic() + 20
    while not _port_open(endpoint):
        if time.monotonic() > deadline:
            raise SystemExit(f"the local S3 server did not start; see {LOG_DIR}/s3.log")
        time.sleep(0.1)
    print(f"started a local S3-compatible server at {endpoint}")
    return {"S3_ENDPOINT": endpoint, "S3_ACCESS_KEY": "demo", "S3_SECRET_KEY": "demo-secret"}


def _seed(engine: sa.Engine, learners: int, milestones: int, lock: str) -> seed.Cohort:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    names = [NAMES[i % len(NAMES)] for i in range(learners)]
    wallets = [Account.create().address for _ in names]
    with transaction(engine) as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id=f"demo-bootcamp-{stamp}",
            cohort_id=f"demo-{stamp}",
            milestones=milestones,
            cohort_name=f"Demo cohort {stamp}",
            lock_address=lock,
        )
        seed.enroll_learners(conn, cohort, names, wallets)
    return cohort


def _complete_progress(engine: sa.Engine, cohort: seed.Cohort) -> int:
    """Every learner but the last finishes everything; the last stops one short."""
    steps = [
        (user, m)
        for i, user in enumerate(cohort.learners)
        for m in (
            cohort.milestone_ids if i < len(cohort.learners) - 1 else cohort.milestone_ids[:-1]
        )
    ]
    random.shuffle(steps)  # learners finish milestones in no particular order
    for user, milestone in tqdm(
        steps, desc="completing milestones", unit="milestone", disable=None
    ):
        with transaction(engine) as conn:  # one app request, one transaction
            seed.complete_milestone(conn, user, milestone)
    return len(cohort.learners) - 1


def _count(engine: sa.Engine, statement: str, cohort_id: str) -> int:
    with transaction(engine) as conn:
        return int(conn.execute(sa.text(statement), {"c": cohort_id}).scalar_one())


COMPLETED = (
    "SELECT count(*) FROM bootcamp_enrollments WHERE cohort_id = :c"
    " AND enrollment_status = 'completed'"
)
RENDERED = (
    "SELECT count(*) FROM certificates c JOIN bootcamp_enrollments e"
    " ON e.id = c.enrollment_id WHERE e.cohort_id = :c AND c.superseded_at IS NULL"
    " AND c.attestation_uid IS NOT NULL"
)


def _wait(engine: sa.Engine, cohort: seed.Cohort, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with tqdm(
        total=expected * 2, desc="completions and certificates", unit="step", disable=None
    ) as bar:
        while time.monotonic() < deadline:
            done = _count(engine, COMPLETED, cohort.cohort_id) + _count(
                engine, RENDERED, cohort.cohort_id
            )
            bar.update(done - bar.n)
            if done >= expected * 2:
                return
            time.sleep(0.2)


def _report(engine: sa.Engine, settings: Settings, cohort: seed.Cohort) -> Path | None:
    store = store_for(settings)
    preview: Path | None = None
    with transaction(engine) as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.id, u.display_name, e.enrollment_status, e.certificate_tx_hash,"
                " e.certificate_attestation_uid FROM bootcamp_enrollments e"
                " JOIN user_profiles u ON u.id = e.user_profile_id WHERE e.cohort_id = :c"
                " ORDER BY u.display_name"
            ),
            {"c": cohort.cohort_id},
        ).all()
        certificates = {r.id: certificate_pdfs.current(conn, r.id) for r in rows}
        counts = outbox.counts(conn)
    print(
        f"\ncohort {cohort.cohort_id}: {len(cohort.milestone_ids)} milestones, {len(rows)} learners"
    )
    for r in rows:
        print(f"\n  {r.display_name}: {r.enrollment_status}")
        cert = certificates[r.id]
        if r.certificate_tx_hash:
            print(f"    key tx       {r.certificate_tx_hash}")
            print(f"    attestation  {r.certificate_attestation_uid or 'pending'}")
        if cert is not None:
            print(f"    certificate  {cert.id} (v{cert.version}, {cert.size_bytes} bytes)")
            print(f"    download     {store.presigned_url(cert.object_key)}")
            if preview is None:
                preview = _preview(store.get(cert.object_key), cert.id)
    print(
        f"\noutbox: {counts['dispatched']} dispatched, {counts['pending']} pending,"
        f" {counts['failed']} failed"
    )
    return preview


def _preview(pdf: bytes, name: object) -> Path:
    """A PNG of the first page, for people to look at."""
    out = LOG_DIR / f"certificate-{name}"
    out.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(out.with_suffix(".pdf")), str(out)],
        check=True,
    )
    return out.with_suffix(".png")


def run_demo(settings: Settings, *, learners: int, milestones: int, timeout: float) -> int:
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        "AUTO_CLAIM": "true",
        "DATABASE_URL": fresh_demo_database(settings),
        "BROKER_NAMESPACE": DEMO_NAMESPACE,
    }
    clear_demo_queues(settings)
    print(f"database {DEMO_DATABASE} (new): migrations applied: {len(migrate(load_settings(env)))}")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        env.update(_chain(settings, stack))
        env.update(_storage(settings, stack))
        demo_settings = load_settings(env)
        engine = make_engine(demo_settings, pool_size=2)
        certflow = [sys.executable, "-m", "certflow"]
        stack.enter_context(process([*certflow, "relay"], LOG_DIR / "relay.log", env))
        stack.enter_context(
            process(
                [*certflow, "worker", "--processes", "1", "--threads", "8"],
                LOG_DIR / "worker.log",
                env,
            )
        )
        cohort = _seed(engine, learners, milestones, env["LOCK_ADDRESS"])
        expected = _complete_progress(engine, cohort)
        _wait(engine, cohort, expected, timeout)
        preview = _report(engine, demo_settings, cohort)
        completed = _count(engine, COMPLETED, cohort.cohort_id)
        rendered = _count(engine, RENDERED, cohort.cohort_id)
        engine.dispose()
    print(
        f"\n{completed} of {len(cohort.learners)} learners completed (expected {expected});"
        f" {rendered} certificates on chain and in storage"
    )
    if preview is not None:
        print(f"preview of one certificate: {preview}")
    print(f"process logs: {LOG_DIR}/")
    return 0 if completed == expected == rendered else 1

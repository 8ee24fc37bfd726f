"""What the demo brings up around the pipeline: its own database and queues, child
processes, a dev chain with the contracts, and an S3-compatible server.

Imported only when ``certflow demo`` runs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import redis
import sqlalchemy as sa
from psycopg import sql
from web3 import Web3

from certflow.settings import Settings, load_settings
from chain.deploy import DevDeployment, deploy_dev
from chain.devnode import DevNode, free_port, rpc_answers
from chain.rpc import make_web3
from chain.transactions import Signer

LOG_DIR = Path("var/demo")
# anvil's published development key 0: used only on the dev node this demo starts itself.
ANVIL_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
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
        _owner_role(conn)
        name = sql.Identifier(DEMO_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER certflow_owner").format(name))
    url = sa.engine.make_url(settings.libpq_url).set(database=DEMO_DATABASE)
    return url.render_as_string(hide_password=False)


def _owner_role(conn: psycopg.Connection[Any]) -> None:
    """The role that owns the schema, as the README has a deployment create it: the demo
    migrates as it (``as_owner``), so tables and functions have one owner, as in production
    (a superuser's tables under the owner's SECURITY DEFINER functions would not be readable
    by them)."""
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'certflow_owner'").fetchone():
        conn.execute("ALTER ROLE certflow_owner CREATEROLE")
    else:
        conn.execute("CREATE ROLE certflow_owner NOLOGIN CREATEROLE")


def as_owner(database_url: str) -> str:
    """``database_url`` whose sessions become certflow_owner at once (the demo's migrate)."""
    url = sa.engine.make_url(database_url)
    return url.update_query_dict({"options": "-c role=certflow_owner"}).render_as_string(
        hide_password=False
    )


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


#: The only chain the demo runs on: it deploys contracts and sends from the signer.
DEV_CHAIN_ID = 31337


def chain(settings: Settings, stack: ExitStack, database_url: str) -> dict[str, str]:
    """A node with the contracts deployed: the given RPC_URL, or a dev node of our own.

    Deployment goes through the transaction sender on the demo's database, so
    the workers' nonce counter starts in step with it. Any chain but the dev
    chain is refused: the demo must never spend a real signer's funds.
    """
    env: dict[str, str] = {}
    key = settings.signer_private_key.get_secret_value() if settings.signer_private_key else None
    rpc_url = settings.rpc_url
    if not rpc_answers(rpc_url):
        node = stack.enter_context(DevNode(chain_id=DEV_CHAIN_ID))
        rpc_url, key = node.url, ANVIL_DEV_KEY
        print(f"started a dev chain (anvil) at {rpc_url}")
    if key is None:
        raise SystemExit("RPC_URL answers but SIGNER_PRIVATE_KEY is not set")
    w3 = make_web3(rpc_url)
    chain_id = int(w3.eth.chain_id)
    if chain_id != DEV_CHAIN_ID or settings.chain_id != DEV_CHAIN_ID:
        raise SystemExit(
            f"the demo runs only on a dev chain (chain id {DEV_CHAIN_ID});"
            f" RPC_URL is chain {chain_id}, CHAIN_ID is {settings.chain_id}"
        )
    deployment = _deploy(w3, Signer.from_key(key), database_url)
    print(
        f"deployed PublicLock {deployment.lock_address} and EAS {deployment.eas_contract_address}"
    )
    env.update(deployment.env())
    env.update(RPC_URL=rpc_url, SIGNER_PRIVATE_KEY=key)
    return env


def _deploy(w3: Web3, signer: Signer, database_url: str) -> DevDeployment:
    from db.engine import make_engine
    from issuance.transactions.sender import TransactionSender

    engine = make_engine(load_settings({"DATABASE_URL": database_url}), pool_size=1)
    try:
        sender = TransactionSender(w3, signer, engine, DEV_CHAIN_ID)
        return deploy_dev(w3, signer, send=sender.send, run=str(uuid.uuid4()))
    finally:
        engine.dispose()


def storage(settings: Settings, stack: ExitStack) -> dict[str, str]:
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


def pipeline(stack: ExitStack, env: dict[str, str]) -> None:
    """A relay and a worker as real ``certflow`` processes, as the Procfile runs them."""
    certflow = [sys.executable, "-m", "cli"]
    stack.enter_context(process([*certflow, "relay"], LOG_DIR / "relay.log", env))
    stack.enter_context(
        process(
            [*certflow, "worker", "--processes", "1", "--threads", "8"],
            LOG_DIR / "worker.log",
            env,
        )
    )


def web_env(settings: Settings) -> dict[str, str]:
    """Where the demo's site listens, and the VERIFY_BASE_URL its QR codes print to match.

    PORT (8000 by default) when it is free, else any free port: the printed
    links must open the site this demo runs.
    """
    port = settings.port if not _port_open(f"http://127.0.0.1:{settings.port}") else free_port()
    return {"PORT": str(port), "VERIFY_BASE_URL": f"http://localhost:{port}/verify"}


def web(stack: ExitStack, env: dict[str, str]) -> str:
    """``certflow web`` as a real process (without the signer's key, as it should run)."""
    site_env = {name: value for name, value in env.items() if name != "SIGNER_PRIVATE_KEY"}
    certflow = [sys.executable, "-m", "cli"]
    stack.enter_context(process([*certflow, "web"], LOG_DIR / "web.log", site_env))
    url = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + 20
    while not _port_open(url):
        if time.monotonic() > deadline:
            raise SystemExit(f"the verification site did not start; see {LOG_DIR}/web.log")
        time.sleep(0.1)
    print(f"started the verification site at {env['VERIFY_BASE_URL']}")
    return url


def verdict(site_url: str, certificate_id: object) -> str:
    """What the running site says about a certificate (its JSON API), as the page would."""
    url = f"{site_url}/api/certificates/{certificate_id}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own site
            return str(json.loads(response.read())["verdict"])
    except (OSError, ValueError, KeyError) as exc:
        return f"site did not answer: {exc}"


#: What `certflow web` and the admin commands need to work against the demo.
ENV_FILE_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "BROKER_NAMESPACE", "RPC_URL", "CHAIN_ID",
    "LOCK_MANAGER_ADDRESS", "EAS_CONTRACT_ADDRESS", "BOOTCAMP_COMPLETION_SCHEMA_UID",
    "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
    "PORT", "VERIFY_BASE_URL", "BOOTCAMP_CERTIFICATES_ENABLED", "AUTO_CLAIM",
    "SIGNER_PRIVATE_KEY",
)  # fmt: skip


def write_env(env: dict[str, str], path: Path = LOG_DIR / "env") -> Path:
    """The demo's environment as ``NAME=value`` lines (readable by its owner only):
    ``set -a; . var/demo/env; set +a`` before ``certflow web`` or any command."""
    lines = ["# certflow demo: `set -a; . var/demo/env; set +a`, then certflow web, status, ..."]
    if env.get("SIGNER_PRIVATE_KEY") == ANVIL_DEV_KEY:
        lines.append("# SIGNER_PRIVATE_KEY is anvil's published development key (dev chain only)")
    lines += [f"{name}={env[name]}" for name in ENV_FILE_VARIABLES if env.get(name)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("\n".join(lines) + "\n")
    return path


def keep_running() -> None:
    """Wait for Ctrl-C (or SIGTERM); the caller's ExitStack then stops every service."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        while True:
            signal.pause()
    except (KeyboardInterrupt, SystemExit):
        print("\nstopping the demo's services")

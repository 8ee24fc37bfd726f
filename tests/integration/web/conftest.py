"""The verification site against real Postgres (as a read-only login user), a real S3
server and anvil with the real Unlock and EAS contracts, served by uvicorn on a port.

Certificates are issued as the actors would: a key granted and an attestation
made on chain by the lock manager, then the PDF rendered and stored with a QR
code that points at this test's server.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
import uvicorn
from eth_account import Account
from psycopg import sql
from starlette.types import ASGIApp
from web3 import Web3

from certflow.settings import Settings, load_settings
from chain.attestation import CompletionAttestation, attest_calldata, parse_attested
from chain.deploy import DevDeployment
from chain.devnode import DevNode, free_port
from chain.lock import grant_keys_calldata
from chain.transactions import Signer, send_direct
from db.certificates import CertificateRow
from db.ledger import LedgerKey
from issuance.certificates.certificate_pdf import render_certificate
from render.storage import ObjectStore
from tests.fixtures.anvil import DEV_KEY
from tests.fixtures.database import TEST_ENV, settings_for
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.certificates_pdf.conftest import (
    COMPLETED_AT,
    set_attestation,
    settled_learner,
)
from web.app import create_app
from web.server import web_settings
from web.site import Site

API_TOKEN = "test-api-token-0123456789"  # noqa: S105 - a test value for a test server


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def chain_env(anvil_node: DevNode, w3: Web3, dev_deployment: DevDeployment) -> dict[str, str]:
    return {
        **dev_deployment.env(),
        "RPC_URL": anvil_node.url,
        "CHAIN_ID": str(w3.eth.chain_id),
        "EXPLORER_TX_URL": "https://explorer.example/tx/{tx}",
        "EXPLORER_ADDRESS_URL": "https://explorer.example/address/{address}",
        "EAS_EXPLORER_URL": "https://easscan.example/attestation/view/{uid}",
        "ISSUER_NAME": "P2E Inferno",
        "WEB_API_TOKEN": API_TOKEN,
    }


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str,
    s3_server: S3Server,
    s3_bucket: str,
    chain_env: dict[str, str],
    web_port: int,
) -> Settings:
    """An admin's settings (superuser database, the signer): what issues and revokes."""
    return settings_for(
        database_url,
        **TEST_ENV,
        **chain_env,
        REDIS_URL=redis_url,
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=s3_bucket,
        SIGNER_PRIVATE_KEY=DEV_KEY,
        VERIFY_BASE_URL=f"http://127.0.0.1:{web_port}/verify",
    )


@pytest.fixture
def web_database_url(database_url: str, pg_admin_url: str) -> Iterator[str]:
    """A LOGIN user granted certflow_web, as the README tells a deployment to create."""
    name = f"certflow_web_t_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        conn.execute(sql.SQL("GRANT certflow_web TO {}").format(sql.Identifier(name)))
    url = sa.engine.make_url(database_url).set(username=name, password=None)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def env_of(settings: Settings) -> dict[str, str]:
    """The environment that loads back as ``settings``."""
    return {
        name: str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
        for name, value in settings.model_dump(by_alias=True).items()
        if value is not None
    }


@pytest.fixture
def web_env(settings: Settings, web_database_url: str) -> dict[str, str]:
    """The web process's environment: the read-only user and no signer key."""
    env = env_of(settings)
    env.pop("SIGNER_PRIVATE_KEY")
    env["DATABASE_URL"] = web_database_url
    return env


class Server:
    """The site in uvicorn on a thread: real HTTP on a real port."""

    def __init__(
        self, settings: Settings, port: int, wrap: Callable[[ASGIApp], ASGIApp] | None = None
    ) -> None:
        """``wrap``: an ASGI middleware a test puts around the app to watch what it does."""
        self.site = Site.build(web_settings(settings))
        app: ASGIApp = create_app(self.site)
        config = uvicorn.Config(
            wrap(app) if wrap else app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            proxy_headers=False,  # as web.server.serve: the app decides whom to believe
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                pytest.fail("the web server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def web_settings_(web_env: dict[str, str]) -> Settings:
    return load_settings(web_env)


@pytest.fixture
def site(web_settings_: Settings, web_port: int) -> Iterator[Server]:
    with Server(web_settings_, web_port) as server:
        yield server


@dataclass(frozen=True)
class Issued:
    enrollment_id: UUID
    user_profile_id: UUID
    wallet: str
    certificate: CertificateRow
    pdf: bytes


Issue = Callable[..., Issued]


@pytest.fixture
def issue(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> Issue:
    counter = iter(range(1000))

    def run(*, attest: bool = True, name: str = "Amélie Dubois") -> Issued:
        return _issue(
            engine,
            settings,
            w3,
            lock_manager,
            dev_deployment,
            attest=attest,
            name=name,
            cohort_id=f"c{next(counter)}",
        )

    return run


def attest_on_chain(
    w3: Web3,
    lock_manager: Signer,
    deployment: DevDeployment,
    wallet: str,
    key_tx: str,
    cohort_id: str,
) -> str:
    completion = CompletionAttestation(
        cohort_id=cohort_id,
        cohort_name="Cohort 7 — Lagos",
        bootcamp_id="b1",
        bootcamp_title="Solidity Foundations Bootcamp",
        user_address=wallet,
        completion_date=int(COMPLETED_AT.timestamp()),
        total_xp_earned=450,
        certificate_tx_hash=key_tx,
    )
    data = attest_calldata(deployment.bootcamp_completion_schema_uid, completion)
    sent = send_direct(w3, lock_manager, deployment.eas_contract_address, data)
    [event] = parse_attested(sent.receipt, deployment.eas_contract_address)
    return event.uid


def render(
    engine: sa.Engine, settings: Settings, enrollment_id: UUID
) -> tuple[CertificateRow, bytes]:
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    key = LedgerKey("render_certificate", f"test:{enrollment_id}:{uuid.uuid4()}", None)
    result = render_certificate(engine, store, settings, enrollment_id, key)
    assert result.certificate is not None
    return result.certificate, store.get(result.certificate.object_key)


def _issue(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    deployment: DevDeployment,
    *,
    attest: bool,
    name: str,
    cohort_id: str,
) -> Issued:
    wallet = str(Account.create().address)
    data = grant_keys_calldata([wallet], lock_manager.address)
    key_tx = send_direct(w3, lock_manager, deployment.lock_address, data).tx_hash
    uid = (
        attest_on_chain(w3, lock_manager, deployment, wallet, key_tx, cohort_id) if attest else None
    )
    learner = settled_learner(
        engine,
        name=name,
        wallet=wallet,
        attestation_uid=uid,
        lock_address=deployment.lock_address,
        key_tx=key_tx,
        cohort_id=cohort_id,
    )
    row, pdf = render(engine, settings, learner.enrollment_id)
    return Issued(learner.enrollment_id, learner.user_profile_id, wallet, row, pdf)


def complete_attestation(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    deployment: DevDeployment,
    issued: Issued,
) -> tuple[CertificateRow, bytes]:
    """The pending attestation arrives: attest, record it, render the new version."""
    with engine.connect() as conn:
        row: Any = conn.execute(
            sa.text(
                "SELECT cohort_id, certificate_tx_hash FROM bootcamp_enrollments WHERE id = :id"
            ),
            {"id": issued.enrollment_id},
        ).one()
    uid = attest_on_chain(
        w3, lock_manager, deployment, issued.wallet, row.certificate_tx_hash, row.cohort_id
    )
    set_attestation(engine, issued.enrollment_id, uid)
    return render(engine, settings, issued.enrollment_id)

"""The system-wide figures every non-worker process exports, read at scrape time from
``certflow_metrics()`` and the node: they follow the rows and the chain."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from eth_account import Account
from prometheus_client import CollectorRegistry
from psycopg import sql
from web3 import Web3

from chain.balance import balance_reader
from chain.devnode import DevNode
from db.engine import make_engine
from issuance.operations.metrics import OperationsCollector
from tests.fixtures.database import settings_for
from tests.integration.certificates.conftest import fund


def _scrape(
    engine: sa.Engine, balance: Callable[[], int] | None = None
) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(OperationsCollector(engine, balance, ["render"]))
    samples = {}
    for family in registry.collect():
        for sample in family.samples:
            label = next(iter(sample.labels.values()), "")
            samples[(sample.name, label)] = sample.value
    return samples


def _work(owner: sa.Engine) -> None:
    """A pending event, an open dead letter on the render queue, a mined transaction."""
    with owner.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO event_outbox (kind, payload, idempotency_key, created_at)"
                " VALUES ('certificate.key_granted', '{}', 'k1', now() - interval '90 seconds');"
                " INSERT INTO dead_letters (actor, queue, message_id, payload, error_type,"
                " reason, permanent) VALUES ('render_certificate', 'render', 'm1', '{}',"
                " 'StorageUnavailable', 'down', false);"
                " INSERT INTO chain_transactions (intent, intent_key, signer, chain_id, nonce,"
                " to_address, raw_tx, tx_hash, status, gas_used) VALUES ('grant_keys', 'i1',"
                " '0xS', 31337, 0, '0xL', '\\x00', '0xh1', 'mined', 224685),"
                " ('grant_keys', 'i2', '0xS', 31337, 1, '0xL', '\\x00', '0xh2', 'broadcast', NULL)"
            )
        )


@pytest.fixture
def web_engine(database_url: str, pg_admin_url: str) -> Iterator[sa.Engine]:
    """The web process's read-only role: it may not read these tables, only the function."""
    name = f"certflow_web_m_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        conn.execute(sql.SQL("GRANT certflow_web TO {}").format(sql.Identifier(name)))
    url = sa.engine.make_url(database_url).set(username=name, password=None)
    engine = make_engine(settings_for(url.render_as_string(hide_password=False)), read_only=True)
    yield engine
    engine.dispose()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_the_figures_follow_the_rows_for_the_worker_and_the_web_roles(
    worker_engine: sa.Engine, web_engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    before = _scrape(worker_engine)
    assert before[("certflow_outbox_lag_seconds", "")] == 0
    assert before[("certflow_chain_pending_nonces", "")] == 0
    assert before[("certflow_dead_letters", "render")] == 0  # a series before the first failure
    assert before[("certflow_chain_transactions", "mined")] == 0

    _work(owner_engine)

    for engine in (worker_engine, web_engine):
        after = _scrape(engine)
        assert after[("certflow_database_up", "")] == 1
        assert after[("certflow_outbox_pending", "")] == 1
        assert 90 <= after[("certflow_outbox_lag_seconds", "")] < 120
        assert after[("certflow_dead_letters", "render")] == 1
        assert after[("certflow_chain_transactions", "mined")] == 1
        assert after[("certflow_chain_transactions", "broadcast")] == 1
        assert after[("certflow_chain_gas_used_total", "")] == 224685
        assert after[("certflow_chain_pending_nonces", "")] == 1
    with owner_engine.begin() as conn:  # `certflow dead-letters purge` deals with it
        conn.execute(sa.text("UPDATE dead_letters SET purged_at = now(), purged_by = 'ops'"))
    assert _scrape(worker_engine)[("certflow_dead_letters", "render")] == 0
    with (
        pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
        web_engine.connect() as c,
    ):
        c.execute(sa.text("SELECT count(*) FROM dead_letters"))


def test_the_app_role_may_not_read_the_figures(app_engine: sa.Engine) -> None:
    with (
        pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
        app_engine.connect() as c,
    ):
        c.execute(sa.text("SELECT * FROM certflow_metrics()"))


def test_a_database_outage_is_a_zero_not_a_failed_scrape() -> None:
    gone = make_engine(settings_for("postgresql://nobody@127.0.0.1:1/none"), pre_ping=False)
    assert _scrape(gone) == {("certflow_database_up", ""): 0}


def test_the_signer_balance_is_read_from_the_node(
    anvil_node: DevNode, w3: Web3, worker_engine: sa.Engine
) -> None:
    address = Account.create().address
    read = balance_reader(anvil_node.url, address)
    assert _scrape(worker_engine, read)[("certflow_signer_balance_eth", "")] == 0
    fund(w3, address, 25 * 10**17)
    assert _scrape(worker_engine, read)[("certflow_signer_balance_eth", "")] == 2.5
    assert ("certflow_signer_balance_eth", "") not in _scrape(
        worker_engine, balance_reader("http://127.0.0.1:1", address)
    )

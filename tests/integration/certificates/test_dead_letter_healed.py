"""A grant dead-lettered while the RPC node was down, healed by the reconciler once the
node is back, then replayed by an admin: the dry run says the key is already granted,
and the replay changes nothing (one key on chain, the same transaction hash)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from web3 import Web3

from certflow.settings import Settings
from chain.devnode import DevNode
from db.dead_letters import Filters
from issuance.certificates.issuer import Issuer
from issuance.operations import dead_letters as console
from tests.fixtures.database import TEST_ENV, settings_for, wait_until
from tests.integration.certificates.conftest import Learners, claim, enrollment, transfers_to
from tests.integration.helpers import rows


class SwitchableRpc:
    """The node behind a switch: while ``up`` is false every request's connection is
    dropped unanswered, as a node that went away does."""

    def __init__(self, upstream: str) -> None:
        self.up = True
        switch = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not switch.up:
                    self.close_connection = True
                    return
                answer = requests.post(
                    upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
                )
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def rpc_switch(anvil_node: DevNode) -> Iterator[SwitchableRpc]:
    switch = SwitchableRpc(anvil_node.url)
    switch.thread.start()
    yield switch
    switch.server.shutdown()
    switch.server.server_close()


@pytest.fixture
def settings(
    database_url: str, redis_url: str, chain_env: dict[str, str], rpc_switch: SwitchableRpc
) -> Settings:
    """The chain settings of this folder, with the RPC behind the switch."""
    env = {**chain_env, "RPC_URL": rpc_switch.url, "RPC_TIMEOUT_SECONDS": "2"}
    return settings_for(database_url, REDIS_URL=redis_url, **{**TEST_ENV, **env})


def test_replaying_a_grant_the_reconciler_already_healed_changes_nothing(
    *,
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    settings: Settings,
    flags_on: None,
    completed_learners: Learners,
    pipeline: None,
    rpc_switch: SwitchableRpc,
) -> None:
    from issuance.operations.reconcile import reconcile_chain

    [learner] = completed_learners(1)
    rpc_switch.up = False
    claim(engine, learner)
    [letter] = wait_until(
        lambda: rows(engine, "SELECT * FROM dead_letters WHERE actor = 'grant_key'"), timeout=60
    )
    assert letter.permanent is False
    rpc_switch.up = True
    with engine.begin() as conn:  # the claim is now older than a reconciler pass takes
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_claim_started_at ="
                " now() - interval '3 minutes' WHERE id = :id"
            ),
            {"id": learner},
        )
    healer = Issuer.build(settings.model_copy(update={"reconcile_after_seconds": 60}), engine)
    assert reconcile_chain(healer)["claims_healed"] == 1
    healed = enrollment(engine, learner)

    # The console's functions, not the CLI: this test's in-process worker logs to stdout,
    # which a CliRunner would capture along with the command's JSON.
    chosen = console.select(engine, Filters(actor="grant_key"))
    preview = console.preview(engine, chosen)
    replayed = console.replay(engine, chosen)
    wait_until(
        lambda: rows(
            engine,
            "SELECT 1 FROM processed_messages WHERE actor = 'grant_key' AND idempotency_key = :k",
            k=letter.idempotency_key,
        )
    )

    assert [x["already"] for x in preview] == [
        f"key already granted (tx {healed.certificate_tx_hash})"
    ]
    assert replayed == [letter.id]
    after = enrollment(engine, learner)
    assert (after.certificate_issued, after.certificate_tx_hash) == (
        True,
        healed.certificate_tx_hash,
    )
    assert len(transfers_to(w3, lock, after.wallet_address)) == 1

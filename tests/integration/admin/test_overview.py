"""``certflow status`` with no enrollment: queues, dead letters, backlog, cohorts, stale
claim locks, failures and the signer, read from the real services."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from chain.devnode import DevNode
from cli.main import main
from db import outbox, seed
from tests.fixtures.anvil import DEV_KEY
from tests.fixtures.s3 import free_port
from tests.integration.admin.letters import dead_letter

DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    monkeypatch.setenv("SIGNER_PRIVATE_KEY", DEV_KEY)
    return CliRunner()


_STATE = [
    "UPDATE bootcamp_enrollments SET enrollment_status = 'completed'",
    "UPDATE bootcamp_enrollments SET certificate_issued = true, certificate_tx_hash = '0xab',"
    " certificate_claim_started_at = now(), certificate_attestation_uid = '0xcd'"
    " WHERE id = :done",
    "UPDATE bootcamp_enrollments SET certificate_claim_in_progress = true,"
    " certificate_claim_started_at = now() - interval '20 minutes' WHERE id = :locked",
    "UPDATE bootcamp_enrollments SET certificate_last_error = 'Key grant failed',"
    " certificate_last_error_at = now() WHERE id = :failing",
    "INSERT INTO chain_transactions (intent, intent_key, signer, chain_id, nonce, raw_tx,"
    " tx_hash, status, created_at, updated_at) VALUES ('grant', 'g1', :signer, 31337, 7,"
    " '\\x00', '0x01', 'broadcast', now() - interval '5 minutes', now())",
]


def _system_with_one_of_everything(owner: sa.Engine, broker: Any) -> None:
    with owner.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        done, locked, failing = seed.enroll_learners(conn, cohort, ["D", "L", "F"]).values()
        ids = {"done": done, "locked": locked, "failing": failing, "signer": DEV_ADDRESS}
        for statement in _STATE:
            conn.execute(sa.text(statement), ids)
        outbox.emit(conn, "certificate.attested", {"enrollment_id": str(done)}, "waiting")
    broker.get_actor("render_certificate").send({"enrollment_id": str(done)})
    dead_letter(owner)


def test_status_without_an_enrollment_shows_the_whole_system(
    cli: CliRunner,
    owner_engine: sa.Engine,
    broker: Any,
    anvil_node: DevNode,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RPC_URL", anvil_node.url)
    _system_with_one_of_everything(owner_engine, broker)

    result = cli.invoke(main, ["status", "--json"])

    assert result.exit_code == 0, result.output
    picture = json.loads(result.stdout)
    render = next(q for q in picture["queues"] if q["queue"] == "render")
    assert (render["ready"], render["dead_letters"]) == (1, 1)
    assert picture["outbox"]["pending"] == 1
    assert picture["outbox"]["oldest_pending_seconds"] >= 0
    [cohort] = picture["cohorts"]
    assert {k: cohort[k] for k in ("completed", "claimed", "issued", "attested", "rendered")} == {
        "completed": 3,
        "claimed": 2,
        "issued": 1,
        "attested": 1,
        "rendered": 0,
    }
    [lock] = picture["stale_claim_locks"]
    assert lock["age_seconds"] >= 1200
    assert [f["last_error"] for f in picture["failures"]] == ["Key grant failed"]
    [tx] = picture["pending_transactions"]
    assert (tx["nonce"], tx["status"]) == (7, "broadcast")
    assert tx["age_seconds"] >= 300
    assert picture["signer"]["address"] == DEV_ADDRESS
    assert picture["signer"]["balance_wei"] > 0
    human = cli.invoke(main, ["status"])
    assert "claim locks older than 10 minutes:" in human.output
    assert "outbox: 1 pending" in human.output


def test_status_says_the_chain_part_is_skipped_when_the_node_is_down(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPC_URL", f"http://127.0.0.1:{free_port()}")

    result = cli.invoke(main, ["status"])

    assert result.exit_code == 0, result.output
    assert f"signer: {DEV_ADDRESS}: chain unreachable" in result.output
    assert "cohorts:\n  none" in result.output


def test_status_of_one_enrollment_is_still_the_source_json(
    cli: CliRunner, owner_engine: sa.Engine
) -> None:
    with owner_engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        [enrollment] = seed.enroll_learners(conn, cohort, ["A"]).values()

    result = cli.invoke(main, ["status", str(enrollment)])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["isCompleted"] is False

"""`certflow grant-key`: the source's "Grant Key Directly", through the claim path, audited."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from web3 import Web3

from cli.main import main
from tests.fixtures.database import wait_until
from tests.integration.certificates.conftest import Learners, enrollment, transfers_to
from tests.integration.helpers import rows


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def test_grant_key_grants_once_through_the_claim_path_and_is_audited(
    cli: CliRunner,
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    completed_learners: Learners,
    pipeline: None,
    broker: Any,
    worker: Any,
) -> None:
    """The feature flag is off (no `certflow flags`): an admin's grant does not need it."""
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address

    first = cli.invoke(main, ["grant-key", str(enrollment_id), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["claimRequested"] is True
    wait_until(lambda: enrollment(engine, enrollment_id).certificate_issued, timeout=60)
    broker.join("chain", timeout=60_000)
    worker.join()
    again = cli.invoke(main, ["grant-key", str(enrollment_id)])

    assert len(transfers_to(w3, lock, wallet)) == 1
    assert again.exit_code == 1
    assert "refused: Certificate already issued" in again.output
    audit = rows(engine, "SELECT command, arguments, outcome, result FROM admin_audit ORDER BY id")
    assert [(r.command, r.outcome) for r in audit] == [
        ("grant-key", "ok"),
        ("grant-key", "refused"),
    ]
    assert audit[0].arguments == {"enrollment_id": str(enrollment_id)}
    assert audit[1].result["error"] == "Certificate already issued"
    claims = rows(
        engine,
        "SELECT idempotency_key FROM event_outbox WHERE kind = 'certificate.claim_requested'",
    )
    claim_id = enrollment(engine, enrollment_id).certificate_claim_id
    assert [c.idempotency_key for c in claims] == [
        f"certificate.claim_requested:{enrollment_id}:{claim_id}"
    ]


def test_grant_key_refuses_with_the_source_messages(
    cli: CliRunner, engine: sa.Engine, completed_learners: Learners
) -> None:
    [active] = completed_learners(completed=False)

    not_eligible = cli.invoke(main, ["grant-key", str(active)])
    not_found = cli.invoke(main, ["grant-key", str(uuid.uuid4()), "--json"])

    assert not_eligible.exit_code == 1
    assert "refused: Not eligible for certificate" in not_eligible.output
    assert json.loads(not_found.stdout)["error"] == "Enrollment not found"
    outcomes = rows(engine, "SELECT outcome, result ->> 'error' AS e FROM admin_audit ORDER BY id")
    assert [(r.outcome, r.e) for r in outcomes] == [
        ("refused", "Not eligible for certificate"),
        ("refused", "Enrollment not found"),
    ]
    assert (
        rows(engine, "SELECT 1 FROM event_outbox WHERE kind = 'certificate.claim_requested'") == []
    )

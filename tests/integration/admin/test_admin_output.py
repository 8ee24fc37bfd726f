"""Admin commands print for people by default and JSON with --json; the mutating ones are
audited (flags, outbox retry, an admin's reconcile pass), the scheduler's passes are not."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from tests.integration.helpers import rows


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    for name in ("SIGNER_PRIVATE_KEY", "EAS_CONTRACT_ADDRESS"):
        monkeypatch.delenv(name, raising=False)  # no chain: reconcile skips its chain part
    return CliRunner()


def _parked_event(owner: sa.Engine) -> int:
    with owner.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    "INSERT INTO event_outbox (kind, payload, idempotency_key, failed_at,"
                    " last_error) VALUES ('x.y', '{}', 'k-1', now(), 'no route for x.y')"
                    " RETURNING id"
                )
            ).scalar_one()
        )


def test_outbox_status_and_retry_for_people_and_for_scripts(
    cli: CliRunner, engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    event_id = _parked_event(owner_engine)

    human = cli.invoke(main, ["outbox", "status"])
    machine = cli.invoke(main, ["outbox", "status", "--json"])
    retried = cli.invoke(main, ["outbox", "retry", str(event_id), "--json"])

    assert human.stdout.splitlines() == [
        "pending 0, dispatched 0, failed 1",
        f"failed #{event_id} x.y key=k-1: no route for x.y",
    ]
    status = json.loads(machine.stdout)
    assert (status["failed"], status["failed_events"][0]["id"]) == (1, event_id)
    assert json.loads(retried.stdout) == {"requeued": [event_id]}
    [audit] = rows(engine, "SELECT command, arguments, result FROM admin_audit")
    assert (audit.command, audit.arguments, audit.result) == (
        "outbox retry",
        {"event_id": event_id},
        [event_id],
    )


def test_flags_shows_and_changes_nothing_whatever_the_environment(
    cli: CliRunner, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19, item 10: `certflow flags` with nothing set used to turn both flags off."""
    set_on = cli.invoke(main, ["flags", "set", "--certificates", "on", "--auto-claim", "on"])
    monkeypatch.delenv("BOOTCAMP_CERTIFICATES_ENABLED", raising=False)
    monkeypatch.delenv("AUTO_CLAIM", raising=False)

    human = cli.invoke(main, ["flags"])
    machine = cli.invoke(main, ["flags", "--json"])

    assert set_on.exit_code == 0, set_on.output
    assert human.stdout.startswith("certificates on, automatic claims on (since ")
    shown = json.loads(machine.stdout)
    assert (shown["certificates_enabled"], shown["auto_claim"]) == (True, True)
    audit = rows(engine, "SELECT command FROM admin_audit ORDER BY id")
    assert [a.command for a in audit] == ["flags set"]  # showing is not audited: it writes nothing


def test_flags_set_writes_only_what_it_names_and_is_audited(
    cli: CliRunner, engine: sa.Engine
) -> None:
    first = cli.invoke(main, ["flags", "set", "--certificates", "on", "--auto-claim", "off"])
    second = cli.invoke(main, ["flags", "set", "--auto-claim", "on", "--json"])
    nothing = cli.invoke(main, ["flags", "set"])

    assert first.stdout.startswith("certificates on, automatic claims off (since ")
    written = json.loads(second.stdout)
    assert (written["certificates_enabled"], written["auto_claim"]) == (True, True)
    assert nothing.exit_code == 2
    assert "--certificates on|off" in nothing.output
    audit = rows(engine, "SELECT command, arguments, outcome FROM admin_audit ORDER BY id")
    assert [(a.command, a.arguments, a.outcome) for a in audit] == [
        ("flags set", {"certificates": "on", "auto_claim": "off"}, "ok"),
        ("flags set", {"auto_claim": "on"}, "ok"),
    ]


def test_an_admins_reconcile_pass_is_audited_and_a_dry_run_is_not(
    cli: CliRunner, engine: sa.Engine
) -> None:
    human = cli.invoke(main, ["reconcile"])
    dry = cli.invoke(main, ["reconcile", "--dry-run", "--json"])

    assert human.exit_code == 0, human.output
    assert human.stdout.splitlines() == [
        "healed: 0 completions, 0 automatic claims, 0 renders, 0 lost messages,"
        " 0 old events pruned, 0 old ledger keys pruned",
        "chain: skipped: no chain configured",
    ]
    assert json.loads(dry.stdout)["dry_run"] is True
    [audit] = rows(engine, "SELECT command, outcome, result FROM admin_audit")
    assert (audit.command, audit.outcome, audit.result["completions"]) == ("reconcile", "ok", 0)


def test_the_workers_reconcile_pass_writes_no_audit_row(
    database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SIGNER_PRIVATE_KEY", raising=False)

    result = CliRunner().invoke(main, ["reconcile", "--json"])

    assert result.exit_code == 0, result.output
    assert rows(engine, "SELECT * FROM admin_audit") == []


def test_preflight_json(cli: CliRunner) -> None:
    result = cli.invoke(main, ["preflight", "--json"])

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"certificates_issued": 0, "blocked": False}

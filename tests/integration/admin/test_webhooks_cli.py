"""`certflow webhooks` as an admin runs it: the secret printed once and never audited, a
rotation with two live secrets for the overlap, disable with the reason and enable, the
test event, deliveries by status, a failed delivery replayed under the same webhook-id;
every change in the audit trail, refusals too."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from cli.main import main
from tests.integration.helpers import rows, scalar

URL = "https://93.184.215.14/hooks/certflow"  # a public address literal: no DNS needed


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE", raising=False)
    return CliRunner()


@pytest.fixture
def community(engine: sa.Engine) -> str:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO communities (id, name) VALUES ('acme', 'Acme')"))
    return "acme"


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(main, ["webhooks", *args])


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def audit(engine: sa.Engine) -> list[sa.Row[Any]]:
    return rows(
        engine,
        "SELECT command, outcome, arguments::text || ' ' || coalesce(result::text, '') AS text"
        " FROM admin_audit ORDER BY id",
    )


def add(cli: CliRunner, community: str, *extra: str) -> dict[str, Any]:
    made: dict[str, Any] = as_json(
        run(cli, "add", "--community", community, "--url", URL, "--events", "certificate.issued",
            "--json", *extra)
    )  # fmt: skip
    return made


def test_add_prints_the_secret_once_and_the_audit_never_holds_it(
    cli: CliRunner, community: str, engine: sa.Engine
) -> None:
    made = add(cli, community, "--description", "LMS backend")
    plain = run(
        cli, "add", "--community", community, "--url", URL,
        "--events", "certificate.issued,achievement.unlocked",
    )  # fmt: skip
    listed = as_json(run(cli, "list", "--community", community, "--json"))

    assert made["secret"].startswith("whsec_")
    assert made["events"] == ["certificate.issued"]
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.strip().startswith("whsec_")  # stdout holds the secret alone
    assert listed[0]["id"] == made["id"]
    assert listed[1]["events"] == ["certificate.issued", "achievement.unlocked"]
    assert all("secret" not in e for e in listed)
    stored = scalar(
        engine, "SELECT secret FROM webhook_secrets WHERE endpoint_id = :id", id=made["id"]
    )
    assert stored == made["secret"]
    trail = audit(engine)
    assert [(a.command, a.outcome) for a in trail] == [("webhooks add", "ok")] * 2
    assert all("whsec_" not in a.text for a in trail)


def test_rotation_keeps_two_live_secrets_for_the_overlap(
    cli: CliRunner, community: str, engine: sa.Engine
) -> None:
    made = add(cli, community)

    rotated = as_json(run(cli, "rotate-secret", made["id"], "--overlap", "2h", "--json"))
    [shown] = as_json(run(cli, "list", "--json"))

    live = rows(
        engine,
        "SELECT secret, expires_at - created_at > interval '1 hour 59 minutes' AS overlap"
        " FROM webhook_secrets WHERE endpoint_id = :id ORDER BY id",
        id=made["id"],
    )
    assert [s.secret for s in live] == [made["secret"], rotated["secret"]]
    assert live[0].overlap is True
    assert shown["live_secrets"] == 2
    assert shown["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]
    last = audit(engine)[-1]
    assert (last.command, last.outcome) == ("webhooks rotate-secret", "ok")
    assert "whsec_" not in last.text


def test_disable_with_a_reason_then_enable(
    cli: CliRunner, community: str, engine: sa.Engine
) -> None:
    made = add(cli, community)

    off = as_json(run(cli, "disable", made["id"], "--reason", "receiver moved", "--json"))
    listed_off = run(cli, "list")
    test_off = run(cli, "test", made["id"])
    on = as_json(run(cli, "enable", made["id"], "--json"))

    assert (off["enabled"], off["disabled_reason"]) == (False, "receiver moved")
    assert "disabled: receiver moved" in listed_off.output
    assert test_off.exit_code == 1
    assert "is disabled (receiver moved): enable it first" in test_off.output
    assert (on["enabled"], on["disabled_reason"], on["failing_since"]) == (True, None, None)
    assert [(a.command, a.outcome) for a in audit(engine)][-3:] == [
        ("webhooks disable", "ok"),
        ("webhooks test", "refused"),
        ("webhooks enable", "ok"),
    ]


def test_test_event_deliveries_and_replay_under_the_same_webhook_id(
    cli: CliRunner, community: str, engine: sa.Engine
) -> None:
    made = add(cli, community)
    failed = "msg_" + uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO webhook_deliveries (id, endpoint_id, community_id, event_type, body,"
                " status, attempts, next_attempt_at, last_status_code, failed_at)"
                " VALUES (:id, :endpoint, 'acme', 'certificate.issued', '{}', 'failed', 8, NULL,"
                " 503, now())"
            ),
            {"id": failed, "endpoint": made["id"]},
        )

    tested = as_json(run(cli, "test", made["id"], "--json"))
    only_failed = as_json(run(cli, "deliveries", "--status", "failed", "--json"))
    replayed = as_json(run(cli, "replay", failed, "--json"))
    twice = run(cli, "replay", failed)

    assert (tested["event_type"], tested["status"]) == ("webhook.test", "pending")
    body = json.loads(
        scalar(engine, "SELECT body FROM webhook_deliveries WHERE id = :id", id=tested["id"])
    )
    assert body["type"] == "webhook.test"
    assert set(body) == {"type", "timestamp", "data"}
    assert [d["id"] for d in only_failed] == [failed]
    assert (replayed["id"], replayed["status"], replayed["replay_count"]) == (failed, "pending", 1)
    assert twice.exit_code == 1
    assert "Only a failed delivery is replayed" in twice.output
    queued = rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'webhook.resend'")
    assert [e.payload["delivery_ids"] for e in queued] == [[tested["id"]], [failed]]
    assert [(a.command, a.outcome) for a in audit(engine)][-3:] == [
        ("webhooks test", "ok"),
        ("webhooks replay", "ok"),
        ("webhooks replay", "refused"),
    ]


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--url", "http://93.184.215.14/x", "--events", "webhook.test"], "must start with https"),
        (["--url", "https://10.0.0.8/x", "--events", "webhook.test"], "private address"),
        (["--url", "https://localhost/x", "--events", "webhook.test"], "private address"),
        (["--url", URL, "--events", "certificate.lost"], "Unknown event type 'certificate.lost'"),
    ],
)
def test_a_bad_endpoint_is_refused_and_audited_as_refused(
    cli: CliRunner, community: str, engine: sa.Engine, args: list[str], why: str
) -> None:
    result = run(cli, "add", "--community", community, *args)

    assert result.exit_code == 1
    assert why in result.output
    assert scalar(engine, "SELECT count(*) FROM webhook_endpoints") == 0
    assert [(a.command, a.outcome) for a in audit(engine)] == [("webhooks add", "refused")]


def test_unknown_community_endpoint_and_delivery_are_refused(
    cli: CliRunner, community: str
) -> None:
    ghost = str(uuid.uuid4())
    results = {
        "add": run(cli, "add", "--community", "nope", "--url", URL, "--events", "webhook.test"),
        "rotate": run(cli, "rotate-secret", ghost),
        "disable": run(cli, "disable", ghost, "--reason", "x"),
        "enable": run(cli, "enable", ghost),
        "test": run(cli, "test", ghost),
        "replay": run(cli, "replay", "msg_" + uuid.uuid4().hex),
        "delivery": run(cli, "delivery", "msg_" + uuid.uuid4().hex),
    }

    assert {name: r.exit_code for name, r in results.items()} == dict.fromkeys(results, 1)
    assert "No community 'nope'" in results["add"].output
    assert f"no webhook endpoint {ghost}" in results["rotate"].output
    assert "no webhook delivery" in results["replay"].output

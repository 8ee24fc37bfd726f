"""The management surface against the real delivery engine (relay thread, `webhooks` worker
on real Redis) and a real HTTP receiver that verifies with the ``standardwebhooks``
package: `certflow webhooks test` arrives signed; after `rotate-secret` a delivery carries
both signatures and each secret verifies it; an app's failed delivery, replayed as the
app, arrives under the same webhook-id."""

from __future__ import annotations

import json
from typing import Any

import dramatiq
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from db import webhook_changes
from events.webhooks import create_test_delivery
from issuance.operations import webhooks
from tests.fixtures.database import wait_until
from tests.fixtures.tenancy import act_as
from tests.integration.webhooks.conftest import COMMUNITY, World, body_of, deliveries
from tests.integration.webhooks.receiver import Receiver, fails_then
from tests.integration.webhooks.test_engine import pipeline

__all__ = ["pipeline"]  # the engine's fixture: a relay and a webhooks worker


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")  # the receiver is on 127.0.0.1
    return CliRunner()


def run(cli: CliRunner, *args: str) -> Any:
    result = cli.invoke(main, ["webhooks", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_test_event_and_rotation_verify_with_the_specifications_library(
    cli: CliRunner, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    made = run(
        cli, "add", "--community", COMMUNITY, "--url", receiver.url + "/h",
        "--events", "achievement.unlocked",
    )  # fmt: skip
    receiver.secrets["/h"] = [made["secret"]]

    first = run(cli, "test", made["id"])
    wait_until(lambda: len(receiver.of("/h")) == 1, timeout=30)
    rotated = run(cli, "rotate-secret", made["id"], "--overlap", "1h")
    receiver.secrets["/h"] = [made["secret"], rotated["secret"]]
    second = run(cli, "test", made["id"])
    wait_until(lambda: len(receiver.of("/h")) == 2, timeout=30)

    got = receiver.of("/h")
    assert [r.webhook_id for r in got] == [first["id"], second["id"]]
    assert got[0].verified_by == (0,)
    assert got[1].verified_by == (0, 1)  # during the overlap both secrets verify
    assert len(got[1].headers["webhook-signature"].split(" ")) == 2
    body = body_of(got[0].body)
    assert body["type"] == "webhook.test"
    assert body["data"] == {"community_id": COMMUNITY, "endpoint_id": made["id"]}


def test_an_apps_failed_delivery_replayed_by_the_app_arrives_under_the_same_id(
    world: World,
    receiver: Receiver,
    pipeline: dramatiq.Worker,
    api_engine: sa.Engine,
    engine: sa.Engine,
) -> None:
    receiver.scripts["/f"] = fails_then(4, 500)  # the first attempt and 3 retries fail
    with api_engine.begin() as conn:
        act_as(conn, "certflow_app", COMMUNITY)
        endpoint, secret = webhooks.register(
            conn, COMMUNITY, receiver.url + "/f", ["webhook.test"], allow_private=True
        )
        made = create_test_delivery(conn, endpoint.id)
        assert made is not None
        webhook_changes.queue(conn, made.id)
    receiver.secrets["/f"] = [secret]
    wait_until(lambda: deliveries(engine, id=made.id)[0].status == "failed", timeout=60)
    assert len(receiver.of("/f")) == 4

    with api_engine.begin() as conn:
        act_as(conn, "certflow_app", COMMUNITY)
        again = webhooks.replay(conn, made.id)
    assert again is not None
    wait_until(lambda: deliveries(engine, id=made.id)[0].status == "delivered", timeout=30)

    got = receiver.of("/f")
    assert [r.status for r in got] == [500, 500, 500, 500, 200]
    assert {r.webhook_id for r in got} == {made.id}
    assert all(r.verified_by == (0,) for r in got)
    [row] = deliveries(engine, id=made.id)
    assert (row.replay_count, row.attempts) == (1, 1)

"""The webhook repository (db/webhooks.py) as the admin and as an app under its community's
row-level security: another community's endpoint answers like an unknown one."""

from __future__ import annotations

import base64
import uuid

import pytest
import sqlalchemy as sa

from db import webhooks
from tests.fixtures.tenancy import act_as


@pytest.fixture
def communities(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO communities (id, name) VALUES ('ca', 'A'), ('cb', 'B')"))


def test_secret_shape() -> None:
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32


def test_admin_creates_rotates_disables(engine: sa.Engine, communities: None) -> None:
    with engine.begin() as conn:
        endpoint, secret = webhooks.create_endpoint(
            conn, "ca", "https://example.com/hook", ["certificate.issued"]
        )
        assert webhooks.live_secrets(conn, endpoint.id) == [secret]
        new = webhooks.rotate_secret(conn, endpoint.id)
        assert webhooks.live_secrets(conn, endpoint.id) == [new, secret]
        newest = webhooks.rotate_secret(conn, endpoint.id)
        assert webhooks.live_secrets(conn, endpoint.id) == [newest, new]
        off = webhooks.disable_endpoint(conn, endpoint.id, "by admin")
        assert off is not None
        assert not off.enabled
        assert off.disabled_reason == "by admin"
        on = webhooks.enable_endpoint(conn, endpoint.id)
        assert on is not None
        assert on.enabled
        assert on.disabled_reason is None
        assert webhooks.rotate_secret(conn, uuid.uuid4()) is None
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            webhooks.create_endpoint(conn, "ca", "https://e.com", ["no.such.event"])


def test_app_sees_only_its_community(
    engine: sa.Engine, api_engine: sa.Engine, communities: None
) -> None:
    with engine.begin() as conn:
        theirs, _ = webhooks.create_endpoint(conn, "cb", "https://b.example/h", ["webhook.test"])
    with api_engine.begin() as conn:
        act_as(conn, "certflow_app", "ca")
        mine, _ = webhooks.create_endpoint(conn, "ca", "https://a.example/h", ["webhook.test"])
        assert [e.id for e in webhooks.list_endpoints(conn)] == [mine.id]
        assert webhooks.get_endpoint(conn, theirs.id) is None
        assert webhooks.rotate_secret(conn, theirs.id) is None
        assert webhooks.disable_endpoint(conn, theirs.id, "x") is None
        assert (
            webhooks.insert_test_delivery(conn, theirs.id, "{}", webhooks.new_delivery_id()) is None
        )
        test = webhooks.insert_test_delivery(conn, mine.id, "{}", webhooks.new_delivery_id())
        assert test is not None
        assert test.status == "pending"
        assert [d.id for d in webhooks.list_deliveries(conn)] == [test.id]
        with pytest.raises(sa.exc.ProgrammingError), conn.begin_nested():
            webhooks.create_endpoint(conn, "cb", "https://b.example/x", ["webhook.test"])

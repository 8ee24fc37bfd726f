"""An app's webhooks over the API with its community's key, over real HTTP: register (the
secret shown once), list, change, disable with a reason, enable, rotate (two live
secrets), test, deliveries, replay of a failed one, delete. Another community's key gets
404 for every id of ours, exactly like an unknown id, and changes nothing; a forged or
revoked key gets 401."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from db import api_keys
from tests.integration.api.conftest import ApiServer, StartApi, Tenant, bearer
from tests.integration.helpers import rows, scalar

URL = "https://93.184.215.14/hooks/certflow"  # a public address literal: no DNS needed


def add(api: ApiServer, key: str, **body: Any) -> httpx.Response:
    body = {"url": URL, "events": ["certificate.issued"], **body}
    return api.http.post("/webhooks/endpoints", json=body, headers=bearer(key))


def failed_delivery(engine: sa.Engine, endpoint_id: str, community: str) -> str:
    """A delivery whose attempts are spent, as the engine leaves it."""
    delivery_id = "msg_" + uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO webhook_deliveries (id, endpoint_id, community_id, event_type, body,"
                " status, attempts, next_attempt_at, last_status_code, failed_at)"
                " VALUES (:id, :endpoint, :community, 'certificate.issued',"
                ' \'{"type":"certificate.issued","timestamp":"2026-01-01T00:00:00Z",'
                "\"data\":{}}', 'failed', 8, NULL, 500, now())"
            ),
            {"id": delivery_id, "endpoint": endpoint_id, "community": community},
        )
    return delivery_id


def test_an_app_manages_its_endpoint_from_registration_to_deletion(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    key = tenants["alpha"].key
    made = add(api, key, events=["certificate.issued", "achievement.unlocked"], description="LMS")
    assert made.status_code == 201, made.text
    endpoint = made.json()
    path = f"/webhooks/endpoints/{endpoint['id']}"

    listed = api.http.get("/webhooks/endpoints", headers=bearer(key)).json()["endpoints"]
    changed = api.http.patch(path, json={"events": ["certificate.revoked"]}, headers=bearer(key))
    private = api.http.patch(path, json={"url": "https://10.1.2.3/x"}, headers=bearer(key))
    off = api.http.patch(
        path, json={"enabled": False, "disabled_reason": "maintenance"}, headers=bearer(key)
    )
    test_while_off = api.http.post(f"{path}/test", headers=bearer(key))
    on = api.http.patch(path, json={"enabled": True}, headers=bearer(key))
    rotated = api.http.post(f"{path}/rotate-secret", headers=bearer(key))
    shown = api.http.get(path, headers=bearer(key)).json()

    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["community"] == "alpha"
    assert endpoint["events"] == ["certificate.issued", "achievement.unlocked"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert all("secret" not in e for e in listed)
    assert changed.json()["events"] == ["certificate.revoked"]
    assert private.status_code == 400
    assert "private address" in private.json()["message"]
    assert (off.json()["enabled"], off.json()["disabled_reason"]) == (False, "maintenance")
    assert test_while_off.status_code == 409
    assert "is disabled (maintenance): enable it first" in test_while_off.json()["message"]
    assert (on.json()["enabled"], on.json()["disabled_reason"]) == (True, None)
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != endpoint["secret"]
    assert shown["live_secrets"] == 2
    assert shown["previous_secret_expires_at"] is not None
    stored = rows(
        admin_engine,
        "SELECT secret FROM webhook_secrets WHERE endpoint_id = :id ORDER BY id",
        id=endpoint["id"],
    )
    assert [s.secret for s in stored] == [endpoint["secret"], rotated.json()["secret"]]

    deleted = api.http.delete(path, headers=bearer(key))
    assert deleted.status_code == 204
    assert api.http.get(path, headers=bearer(key)).status_code == 404


def test_test_event_deliveries_and_replay_of_a_failed_delivery(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    key = tenants["alpha"].key
    endpoint = add(api, key).json()
    failed = failed_delivery(admin_engine, endpoint["id"], "alpha")

    tested = api.http.post(f"/webhooks/endpoints/{endpoint['id']}/test", headers=bearer(key))
    only_failed = api.http.get("/webhooks/deliveries?status=failed", headers=bearer(key))
    detail = api.http.get(f"/webhooks/deliveries/{tested.json()['id']}", headers=bearer(key))
    replayed = api.http.post(f"/webhooks/deliveries/{failed}/replay", headers=bearer(key))
    again = api.http.post(f"/webhooks/deliveries/{failed}/replay", headers=bearer(key))

    assert tested.status_code == 202
    assert (tested.json()["event_type"], tested.json()["status"]) == ("webhook.test", "pending")
    assert [d["id"] for d in only_failed.json()["deliveries"]] == [failed]
    assert detail.json()["body"]["type"] == "webhook.test"
    assert detail.json()["body"]["data"]["endpoint_id"] == endpoint["id"]
    assert replayed.status_code == 202
    assert (replayed.json()["id"], replayed.json()["status"]) == (failed, "pending")
    assert replayed.json()["replay_count"] == 1
    assert again.status_code == 409  # it is pending now: nothing to replay
    queued = rows(admin_engine, "SELECT payload FROM event_outbox WHERE kind = 'webhook.resend'")
    assert [e.payload["delivery_ids"] for e in queued] == [[tested.json()["id"]], [failed]]
    row = rows(
        admin_engine, "SELECT status, attempts FROM webhook_deliveries WHERE id = :id", id=failed
    )
    assert (row[0].status, row[0].attempts) == ("pending", 0)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"url": "http://93.184.215.14/x"}, "must start with https://"),
        ({"url": "https://127.0.0.1/x"}, "private address"),
        ({"url": "https://169.254.169.254/latest"}, "private address"),
        ({"events": ["certificate.exploded"]}, "Unknown event type 'certificate.exploded'"),
        ({"events": []}, "events"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_a_bad_registration_is_a_400_saying_why(
    api: ApiServer,
    tenants: dict[str, Tenant],
    admin_engine: sa.Engine,
    body: dict[str, Any],
    why: str,
) -> None:
    refused = add(api, tenants["alpha"].key, **body)

    assert refused.status_code == 400
    assert why in refused.json()["message"]
    assert scalar(admin_engine, "SELECT count(*) FROM webhook_endpoints") == 0


def test_private_addresses_are_allowed_only_with_webhook_allow_private(
    start_api: StartApi, tenants: dict[str, Tenant]
) -> None:
    api = start_api(WEBHOOK_ALLOW_PRIVATE="true")

    made = add(api, tenants["alpha"].key, url="http://127.0.0.1:9/hook")

    assert made.status_code == 201
    assert made.json()["url"] == "http://127.0.0.1:9/hook"


def _attempts(api: ApiServer, key: str, endpoint: str, delivery: str) -> dict[str, str]:
    """Every webhook route that names an id, as (status, body) the caller sees."""
    h = bearer(key)
    e, d = f"/webhooks/endpoints/{endpoint}", f"/webhooks/deliveries/{delivery}"
    answers = {
        "get": api.http.get(e, headers=h),
        "patch": api.http.patch(e, json={"events": ["webhook.test"]}, headers=h),
        "disable": api.http.patch(e, json={"enabled": False}, headers=h),
        "rotate": api.http.post(f"{e}/rotate-secret", headers=h),
        "test": api.http.post(f"{e}/test", headers=h),
        "delete": api.http.delete(e, headers=h),
        "delivery": api.http.get(d, headers=h),
        "replay": api.http.post(f"{d}/replay", headers=h),
        "deliveries": api.http.get(f"/webhooks/deliveries?endpoint={endpoint}", headers=h),
    }
    return {name: f"{r.status_code} {r.text}" for name, r in answers.items()}


def test_another_communitys_key_finds_our_ids_exactly_as_unknown_ones(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    endpoint = add(api, alpha.key).json()
    delivery = failed_delivery(admin_engine, endpoint["id"], "alpha")
    before = rows(admin_engine, "SELECT * FROM webhook_endpoints")
    secrets_before = rows(admin_engine, "SELECT * FROM webhook_secrets")

    attacked = _attempts(api, beta.key, endpoint["id"], delivery)
    unknown = _attempts(api, beta.key, str(uuid.uuid4()), "msg_" + uuid.uuid4().hex)
    listed = api.http.get("/webhooks/endpoints", headers=bearer(beta.key)).json()
    all_deliveries = api.http.get("/webhooks/deliveries", headers=bearer(beta.key)).json()

    assert attacked == unknown
    assert attacked["get"].startswith("404 ")
    assert attacked["replay"].startswith("404 ")
    assert listed == {"endpoints": []}
    assert all_deliveries == {"deliveries": []}
    assert rows(admin_engine, "SELECT * FROM webhook_endpoints") == before
    assert rows(admin_engine, "SELECT * FROM webhook_secrets") == secrets_before
    assert rows(admin_engine, "SELECT status, replay_count FROM webhook_deliveries") == [
        ("failed", 0)
    ]
    # the owner's own key still reaches both
    assert (
        api.http.get(f"/webhooks/deliveries/{delivery}", headers=bearer(alpha.key)).status_code
        == 200
    )


def test_a_forged_or_revoked_key_gets_401_on_every_webhook_route(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    endpoint = add(api, alpha.key).json()
    forged = alpha.key_prefix + "_" + "A" * 43
    with admin_engine.begin() as conn:
        _, spare = api_keys.create(conn, "alpha", "spare")
        api_keys.revoke(conn, api_keys.split(spare) or "")

    for key in (forged, spare, "cfk_nonsense"):
        for method, path in (
            ("GET", "/webhooks/endpoints"),
            ("POST", "/webhooks/endpoints"),
            ("GET", f"/webhooks/endpoints/{endpoint['id']}"),
            ("POST", f"/webhooks/endpoints/{endpoint['id']}/rotate-secret"),
            ("GET", "/webhooks/deliveries"),
        ):
            answer = api.http.request(method, path, headers=bearer(key), json={"url": URL})
            assert answer.status_code == 401, (key, method, path, answer.text)
    assert scalar(admin_engine, "SELECT count(*) FROM webhook_secrets") == 1

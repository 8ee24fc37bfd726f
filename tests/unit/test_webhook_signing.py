"""Standard Webhooks signatures as an independent verifier (the ``standardwebhooks``
package) sees them, and which URLs and addresses a webhook may reach."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from certflow.errors import WebhookUrlRefused
from certflow.settings import load_settings
from db.webhooks import new_delivery_id, new_secret
from issuance.webhooks import signing, urls

BODY = b'{"data": {"enrollment_id": "e1"}, "type": "certificate.issued", "timestamp": "t"}'


def _headers(secrets: list[str], age: dt.timedelta = dt.timedelta()) -> dict[str, str]:
    at = dt.datetime.now(dt.UTC) - age
    return signing.headers(new_delivery_id(), BODY, secrets, at)


def test_the_verifier_accepts_a_delivery_and_rejects_a_changed_body() -> None:
    secret = new_secret()
    headers = _headers([secret])
    assert Webhook(secret).verify(BODY, headers)["type"] == "certificate.issued"
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(BODY.replace(b"e1", b"e2"), headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(new_secret()).verify(BODY, headers)


def test_the_verifier_rejects_a_timestamp_older_than_five_minutes() -> None:
    secret = new_secret()
    Webhook(secret).verify(BODY, _headers([secret], dt.timedelta(minutes=4)))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, _headers([secret], dt.timedelta(minutes=6)))


def test_during_a_rotation_each_secret_verifies_alone() -> None:
    old, new = new_secret(), new_secret()
    headers = _headers([new, old])
    assert headers["webhook-signature"].count("v1,") == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)


def test_ids_and_secrets_have_the_specifications_shape() -> None:
    assert new_delivery_id().startswith("msg_")
    assert len(new_delivery_id()) >= 30
    assert new_secret().startswith("whsec_")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "https://127.0.0.1:8443/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
        "https:///hook",
    ],
)
def test_urls_a_webhook_may_not_have(url: str) -> None:
    with pytest.raises(WebhookUrlRefused):
        urls.check_url(url)


def test_allow_private_allows_http_and_private_addresses() -> None:
    assert urls.check_url("http://127.0.0.1:8000/h", allow_private=True)
    assert urls.check_url("https://example.com/hook") == "https://example.com/hook"


def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    with pytest.raises(WebhookUrlRefused, match=r"private address \(127\.0\.0\.1\)"):
        urls.resolve("https://localhost:8443/hook", allow_private=False)
    target = urls.resolve("http://localhost:8000/x?y=1", allow_private=True)
    assert (target.host, target.port, target.path) == ("localhost", 8000, "/x?y=1")
    assert ipaddress.ip_address(target.address).is_loopback


def test_public_means_globally_routable() -> None:
    assert urls.is_public(ipaddress.ip_address("93.184.216.34"))
    assert not urls.is_public(ipaddress.ip_address("::ffff:10.1.2.3"))
    assert not urls.is_public(ipaddress.ip_address("224.0.0.1"))


def test_the_retry_schedule_setting() -> None:
    settings = load_settings({"WEBHOOK_RETRY_SCHEDULE": "1s, 2m,1.5h"})
    assert settings.webhook_schedule == (1.0, 120.0, 5400.0)
    assert load_settings({}).webhook_schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)

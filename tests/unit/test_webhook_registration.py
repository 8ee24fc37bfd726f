"""What registering a webhook endpoint checks before anything is written: the URL against
the engine's SSRF policy (``issuance.webhooks.urls``: https, every address the host
resolves to public; with WEBHOOK_ALLOW_PRIVATE, http and private addresses for
development) and the event types against the documented list."""

from __future__ import annotations

import pytest

from certflow.errors import Refused, WebhookUrlRefused
from issuance.operations.webhooks import checked_url, event_types


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hooks?x=1", "https://[2606:4700:4700::1111]:8443/hooks"]
)
def test_an_https_url_of_a_public_address_is_accepted(url: str) -> None:
    assert checked_url(url, allow_private=False) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/x", "https://"),
        ("ftp://93.184.215.14/x", "https://"),
        ("https://127.0.0.1/x", "private address"),
        ("https://10.0.0.8/x", "private address"),
        ("https://100.64.0.1/x", "private address"),  # carrier-grade NAT
        ("https://169.254.169.254/latest/meta-data", "private address"),  # cloud metadata
        ("https://[::1]/x", "private address"),
        ("https://[::ffff:10.0.0.1]/x", "private address"),
        ("https://localhost/x", "private address"),
        ("https://nowhere.invalid/x", "does not resolve"),
        ("https://user:pw@93.184.215.14/x", "user name or password"),
        ("https:///x", "host name"),
        ("https://93.184.215.14:99999/x", "not a valid URL"),
    ],
)
def test_these_urls_are_refused_saying_why(url: str, why: str) -> None:
    with pytest.raises(WebhookUrlRefused) as refused:
        checked_url(url, allow_private=False)
    assert why in refused.value.user_message


@pytest.mark.parametrize(
    "url",
    [
        "https://[64:ff9b::a9fe:a9fe]/x",  # NAT64 of the metadata service
        "https://[64:ff9b:1::7f00:1]/x",  # local-use NAT64 of loopback
        "https://[2002:7f00:1::]/x",  # 6to4 of loopback
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x",  # Teredo, client 10.0.0.1
    ],
)
def test_ipv4_wrapped_in_nat64_or_6to4_is_refused(url: str) -> None:
    with pytest.raises(WebhookUrlRefused):
        checked_url(url, allow_private=False)


def test_allow_private_accepts_http_and_loopback_but_not_other_schemes() -> None:
    assert checked_url(" http://127.0.0.1:9/x ", allow_private=True) == "http://127.0.0.1:9/x"
    assert checked_url("https://localhost/x", allow_private=True) == "https://localhost/x"
    with pytest.raises(WebhookUrlRefused, match="https://"):
        checked_url("file:///etc/passwd", allow_private=True)


def test_event_types_are_the_documented_ones_once_each_in_order() -> None:
    given = ["certificate.issued, achievement.unlocked", "certificate.issued"]

    assert event_types(given) == ["certificate.issued", "achievement.unlocked"]
    with pytest.raises(Refused, match=r"Unknown event type 'certificate\.lost'"):
        event_types(["certificate.issued,certificate.lost"])
    with pytest.raises(Refused, match="at least one"):
        event_types([" , "])

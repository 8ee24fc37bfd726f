"""The webhook URL policy (no server-side request forgery): https to public addresses only,
every address a name resolves to checked, IPv4 wrapped in IPv6 unwrapped; with
WEBHOOK_ALLOW_PRIVATE, http and private addresses for development."""

from __future__ import annotations

import ipaddress

import pytest

from certflow.errors import Refused
from certflow.webhook_urls import check_url, is_public

PUBLIC = "93.184.215.14"


class Resolver:
    """Answers ``addresses`` for every name, and records what it was asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "ff02::1",
    ],
)
def test_these_addresses_are_not_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_these_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address)) is True


def test_an_https_url_whose_name_resolves_to_public_addresses_is_accepted() -> None:
    resolve = Resolver(PUBLIC, "2606:4700:4700::1111")
    url = "https://hooks.example.com:8443/certflow?x=1"

    assert check_url(url, allow_private=False, resolve=resolve) == url
    assert resolve.asked == [("hooks.example.com", 8443)]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "must start with https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("https://127.0.0.1/x", "127.0.0.1 is not a public address"),
        ("https://[::1]:8443/x", "::1 is not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::ffff:10.0.0.1]/x", "not a public address"),
        ("https://user:pw@hooks.example.com/x", "must not hold credentials"),
        ("https:///x", "has no host"),
        ("https://hooks.example.com/x#frag", "no #fragment"),
        ("https://hooks.example.com/a b", "one line"),
        ("https://hooks.example.com/" + "a" * 2000, "one line"),
        ("https://hooks.example.com:99999/x", "cannot be parsed"),
    ],
)
def test_these_urls_are_refused_saying_why(url: str, why: str) -> None:
    with pytest.raises(Refused) as refused:
        check_url(url, allow_private=False, resolve=Resolver(PUBLIC))
    assert why in refused.value.user_message


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    """An attacker's DNS may answer a public and a private address: any private one refuses."""
    with pytest.raises(Refused, match="resolves to an address that is not public"):
        check_url(
            "https://rebind.example/x", allow_private=False, resolve=Resolver(PUBLIC, "10.0.0.7")
        )


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(Refused, match="does not resolve"):
        check_url("https://nowhere.invalid/x", allow_private=False, resolve=Resolver())


def test_localhost_through_the_system_resolver_is_refused() -> None:
    with pytest.raises(Refused, match="resolves to an address that is not public"):
        check_url("https://localhost/x", allow_private=False)


def test_allow_private_accepts_http_and_loopback_but_still_refuses_nonsense() -> None:
    resolve = Resolver()

    assert check_url("http://127.0.0.1:9/x", allow_private=True, resolve=resolve)
    assert check_url("https://localhost/x", allow_private=True, resolve=resolve)
    assert resolve.asked == []
    with pytest.raises(Refused, match="must start with https://"):
        check_url("file:///etc/passwd", allow_private=True)

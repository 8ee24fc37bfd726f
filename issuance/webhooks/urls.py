"""Which webhook URLs and addresses are allowed: no server-side request forgery.

Two checks, one rule. At registration (``check_url``, used by the CLI and the
API) the URL must be https and must not name a private address. At every
attempt (``resolve``) the host name is resolved and every address checked,
and the transport then connects to that checked address itself: a DNS answer
that changes between the check and the connection (DNS rebinding) cannot
point it elsewhere. ``WEBHOOK_ALLOW_PRIVATE=true`` lifts both for development
and tests: http and private, loopback and link-local addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from certflow.errors import WebhookUrlRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """Where one attempt goes: the URL's parts and the checked address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


# IPv6 prefixes that carry an IPv4 address a gateway forwards to (RFC 6052 NAT64,
# well-known and local-use): judged as that IPv4, or the metadata service at
# 169.254.169.254 is one AAAA record away.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def is_public(address: IpAddress) -> bool:
    """Globally routable unicast. An IPv6 address that wraps an IPv4 one (mapped,
    6to4, Teredo, NAT64) is public only if the IPv4 inside is too."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _wrapped_ipv4(address)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not address.is_multicast


def _wrapped_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address; the server is public by design
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, allow_private: bool = False) -> str:
    """The URL if an endpoint may have it; WebhookUrlRefused (saying why) if not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused("the webhook URL is not a valid URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise WebhookUrlRefused("a webhook URL must start with https://")
    if not parts.hostname or len(url) > 2000:
        raise WebhookUrlRefused("a webhook URL needs a host name (and at most 2000 characters)")
    if parts.username or parts.password:
        raise WebhookUrlRefused("a webhook URL may not carry a user name or password")
    if port == 0:
        raise WebhookUrlRefused("a webhook URL may not use port 0")
    literal = _literal(parts.hostname)
    if literal is not None and not allow_private and not is_public(literal):
        raise WebhookUrlRefused("a webhook URL must not point at a private address")
    return url


def resolve(url: str, allow_private: bool) -> Target:
    """The URL checked, its host resolved, every address checked; the first one to use.

    Every address must be public, not only the first: a name answering both a
    public and a private address is refused rather than half-trusted.
    """
    check_url(url, allow_private)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WebhookUrlRefused(f"the webhook host does not resolve ({exc.strerror})") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise WebhookUrlRefused("the webhook host does not resolve")
    if not allow_private:
        for address in addresses:
            if not is_public(ipaddress.ip_address(address.split("%", 1)[0])):
                raise WebhookUrlRefused(
                    f"the webhook host resolves to a private address ({address})"
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])

"""Which webhook URLs certflow may call: the one policy against server-side request forgery.

An endpoint's URL must be https and its host a public address, or a name whose
every address is public: never loopback, private, link-local (the cloud metadata
service at 169.254.169.254), shared (100.64/10), reserved or multicast, nor one of
those wrapped in IPv6 (``::ffff:127.0.0.1``, NAT64, 6to4, Teredo). Registration
checks the name's addresses now; the delivery engine checks the address it actually
connects to with ``is_public`` (a DNS answer can change between the two).
``WEBHOOK_ALLOW_PRIVATE=true`` allows http and any address, for development and
tests only.

No I/O but the DNS lookup, which a caller may replace (``resolve``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from certflow.errors import Refused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Iterable[str]]
MAX_URL = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address, and so is any IPv4 address it wraps."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        wrapped = [address.ipv4_mapped, address.sixtofour]
        wrapped += [address.teredo[1] if address.teredo else None]
        if address in _NAT64:
            wrapped.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(inner is None or is_public(inner) for inner in wrapped)
    return True


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (a failure resolves to none)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in found]


def check_url(url: str, *, allow_private: bool, resolve: Resolve = system_resolve) -> str:
    """``url`` when certflow may deliver webhooks to it; otherwise ``Refused``, saying why."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise Refused(f"A webhook URL is one line of at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("The webhook URL cannot be parsed") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise Refused("A webhook URL must start with https://")
    host = parts.hostname or ""
    if not host:
        raise Refused("The webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise Refused("A webhook URL must not hold credentials (user:password@)")
    if parts.fragment:
        raise Refused("A webhook URL has no #fragment")
    if allow_private:
        return url
    _check_host(host, port or 443, resolve)
    return url


def _check_host(host: str, port: int, resolve: Resolve) -> None:
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public(literal):
            raise Refused(f"{host} is not a public address")
        return
    addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(host, port)]
    if not addresses:
        raise Refused(f"{host} does not resolve")
    if not all(is_public(a) for a in addresses):
        raise Refused(f"{host} resolves to an address that is not public")

"""Who is asking, and for which host: headers a client could forge are believed only
from the configured reverse proxies.

``TrustedProxies`` is the outermost middleware: from a peer outside
``ADMIN_TRUSTED_PROXIES`` it drops ``ADMIN_PROXY_HEADER``, ``X-Forwarded-*`` and
``Forwarded`` (and logs that it did), so nothing behind it can believe them.
uvicorn's ``ProxyHeadersMiddleware`` then takes the client address and scheme
from a trusted proxy's ``X-Forwarded-For``/``-Proto``; Starlette's
``TrustedHostMiddleware`` refuses a ``Host`` outside ``ALLOWED_HOSTS``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import structlog
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from certflow.settings import Settings
from certflow.settings_types import networks

log = structlog.get_logger(__name__)

#: Always dropped from an untrusted peer (lower case, as ASGI carries header names).
FORWARDED_HEADERS = frozenset(
    {b"forwarded", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"}
)
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


class TrustedProxies:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.trusted = networks(settings.admin_trusted_proxies)
        header = settings.admin_proxy_header
        self.dropped = FORWARDED_HEADERS | ({header.lower().encode()} if header else set())

    def is_trusted(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:  # a unix socket, or no peer at all
            return False
        return any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope["client"][0] if scope.get("client") else None
            if not self.is_trusted(peer):
                kept = [(k, v) for k, v in scope["headers"] if k not in self.dropped]
                if len(kept) != len(scope["headers"]):
                    names = sorted({k.decode() for k, _ in scope["headers"]} & _names(self))
                    log.warning("web.proxy_headers_ignored", peer=peer, headers=names)
                    scope = {**scope, "headers": kept}
        await self.app(scope, receive, send)


def _names(middleware: TrustedProxies) -> set[str]:
    return {name.decode() for name in middleware.dropped}


def allowed_hosts(settings: Settings) -> list[str]:
    """``ALLOWED_HOSTS``, else VERIFY_BASE_URL's host and the local names."""
    if settings.allowed_hosts:
        return [host.strip() for host in settings.allowed_hosts.split(",") if host.strip()]
    public = urlsplit(settings.verify_base_url).hostname
    return sorted({*(_LOCAL_HOSTS), *([public] if public else [])})


def protect(app: Starlette, settings: Settings) -> None:
    """Add, outermost last: the host check, the proxy headers, the untrusted-header filter."""
    trusted = [str(network) for network in networks(settings.admin_trusted_proxies)]
    app.add_middleware(
        TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings), www_redirect=False
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    app.add_middleware(TrustedProxies, settings=settings)

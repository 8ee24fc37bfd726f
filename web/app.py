"""The ASGI application: routes, security headers, and error pages that are never a bare 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certflow.errors import CertflowError
from web import (
    admin_letters,
    admin_pages,
    admin_templates,
    admin_webhooks,
    api,
    attestations,
    credentials,
    pages,
)
from web.admin_auth import LoginRequired
from web.admin_site import AdminConsoleOff, AdminSite
from web.api_v1 import API_PREFIX, create_api
from web.proxies import protect
from web.site import HERE, Site, site_of

log = structlog.get_logger(__name__)

#: No scripts at all; styles and images from the site only; never inside a frame.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
#: The API's docs page runs Swagger UI, FastAPI's page: its script and styles from the CDN
#: FastAPI names, the document from here. Nothing else gets scripts.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_HEADERS = [(b"content-security-policy", DOCS_CSP.encode()), *SECURITY_HEADERS[1:]]
#: Only over https (a browser ignores it on http): a year, this host and its subdomains.
HSTS = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


class SecurityHeaders:
    """Adds the headers to every response (a plain ASGI middleware: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # The scheme as the client used it: a trusted proxy's X-Forwarded-Proto is applied.
        base = DOCS_HEADERS if scope["path"] == f"{API_PREFIX}/docs" else SECURITY_HEADERS
        headers = base + (HSTS if scope.get("scheme") == "https" else [])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(site: Site) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        site.close()
        if app.state.admin is not None:
            app.state.admin.close()
        if api_context is not None:
            api_context.close()

    app = FastAPI(
        title="certflow verification",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.site = site
    app.state.admin = AdminSite.build(site.settings)
    api_app, api_context = create_api(site.settings)
    app.mount(API_PREFIX, api_app)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(admin_pages.router)
    app.include_router(admin_letters.router)
    app.include_router(admin_templates.router)
    app.include_router(admin_webhooks.router)
    app.include_router(attestations.router)
    app.include_router(credentials.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(CertflowError, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(AdminConsoleOff, _admin_off)
    app.add_middleware(SecurityHeaders)
    protect(app, site.settings)
    return app


async def _admin_off(request: Request, exc: Exception) -> Response:
    response = site_of(request).html(request, "admin_off.html", {"admin": None}, status_code=404)
    response.headers["cache-control"] = "no-store"
    return response


async def _login_required(request: Request, exc: Exception) -> Response:
    if request.method in ("GET", "HEAD"):
        return RedirectResponse("/admin/login", status_code=303)
    return HTMLResponse("Sign in first.", status_code=401)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 404:
        return site_of(request).html(request, "not_found.html", {}, status_code=404)
    return site_of(request).html(
        request, "error.html", {"message": exc.detail}, status_code=exc.status_code
    )


async def _unavailable(request: Request, exc: CertflowError) -> Response:
    """The database (or the store, for a download) is down: say so, with a 503, not a 500."""
    log.warning("web.unavailable", path=request.url.path, error=str(exc))
    message = "This service is temporarily unavailable. Please try again in a minute."
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=503)
    return site_of(request).html(request, "error.html", {"message": message}, status_code=503)

"""The ASGI application: routes, security headers, and error pages that are never a bare 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certflow.errors import CertflowError
from web import api, attestations, pages
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


class SecurityHeaders:
    """Adds the headers to every response (a plain ASGI middleware: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(site: Site) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        site.close()

    app = FastAPI(
        title="certflow verification",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.site = site
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(attestations.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(CertflowError, _unavailable)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders)
    return app


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

"""The HTTP API for apps and learners, mounted at /api/v1 by the web process.

Its own FastAPI application: its OpenAPI document (/api/v1/openapi.json), its
docs page (/api/v1/docs) and JSON errors, apart from the site's HTML pages.
"""

from __future__ import annotations

from fastapi import FastAPI

from certflow.settings import Settings
from web.api_v1 import apps, catalog, errors, instructor, learner, webhooks
from web.api_v1.context import ApiContext
from web.api_v1.middleware import RequestLog

API_PREFIX = "/api/v1"


def create_api(settings: Settings) -> tuple[FastAPI, ApiContext | None]:
    """The API app and its context (None, and every route 404, without API_DATABASE_URL)."""
    context = ApiContext.build(settings)
    app = FastAPI(
        title="certflow API",
        version="1",
        description="Certificates, completion status and achievements for apps (API keys) "
        "and their learners and instructors (the app's own JWTs).",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.api = context
    errors.install(app)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """No I/O: the baseline of bench/api.py."""
        return {"status": "ok"}

    if context is not None:
        for module in (learner, apps, catalog, instructor, webhooks):
            app.include_router(module.router)
    app.add_middleware(RequestLog, max_body=settings.api_max_body_bytes)
    return app, context

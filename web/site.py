"""What the routes share: settings, the page builder and the templates, built once per process."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from certflow.settings import Settings
from chain.rpc import make_web3
from db.engine import make_engine
from issuance.verification.certificate_page import CertificatePages
from issuance.verification.read_cache import ReadCache
from render.storage import ObjectStore

HERE = Path(__file__).resolve().parent


@dataclass
class Site:
    settings: Settings
    engine: sa.Engine
    pages: CertificatePages
    templates: Jinja2Templates

    @classmethod
    def build(cls, settings: Settings) -> Site:
        """Read-only database transactions, a short RPC timeout, one cache for chain reads."""
        engine = make_engine(settings, pool_size=10, pre_ping=False, read_only=True)
        store = ObjectStore.from_settings(settings, region=settings.s3_region)
        w3 = make_web3(settings.rpc_url, settings.verify_rpc_timeout_seconds)
        cache = ReadCache(settings.verify_cache_seconds)
        pages = CertificatePages(settings, engine, store, w3, cache)
        templates = Jinja2Templates(directory=HERE / "templates")
        templates.env.filters["date"] = _date
        return cls(settings, engine, pages, templates)

    def html(
        self, request: Request, template: str, context: dict[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        context = {"issuer_name": self.settings.issuer_name, **context}
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)

    def close(self) -> None:
        self.engine.dispose()


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _date(value: str | dt.date | None) -> str:
    """A date as people read it anywhere, 12 March 2025, from a date or an ISO string."""
    if not value:
        return ""
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"

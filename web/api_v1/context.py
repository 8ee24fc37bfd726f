"""What the API's routes share, built once per process: the engine of the API's login, the
token verifier, the rate limits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import Request

from certflow.settings import Settings
from db import community_auth
from db.engine import make_engine, transaction
from web.api_v1.ratelimit import RateLimits
from web.api_v1.tokens import TokenVerifier


@dataclass
class ApiContext:
    settings: Settings
    engine: sa.Engine
    tokens: TokenVerifier
    limits: RateLimits

    @classmethod
    def build(cls, settings: Settings) -> ApiContext | None:
        """None without API_DATABASE_URL: the API is off and answers 404."""
        url = settings.api_database_url.get_secret_value() if settings.api_database_url else ""
        if not url:
            return None
        engine = make_engine(settings.model_copy(update={"database_url": url}), pre_ping=False)

        def load() -> list[community_auth.CommunityAuth]:
            with transaction(engine) as conn:
                return community_auth.every(conn)

        return cls(settings, engine, TokenVerifier(settings, load), RateLimits(settings))

    def close(self) -> None:
        self.engine.dispose()
        self.limits.close()


def api_of(request: Request) -> ApiContext:
    api: ApiContext = request.app.state.api
    return api

"""Rate limits per API key and per learner with the ``limits`` library, counted in Redis so
that every web process shares the count; a caller over its limit gets 429 and Retry-After.

Each setting may hold several windows (``100/minute;2000/hour``), as the admin
sign-in limits do; every window counts each request.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from certflow.errors import RateLimiterUnavailable
from certflow.settings import Settings
from web.api_v1.errors import ApiError


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        # Validated with the settings (certflow.settings_types.Rate).
        self.per_key = parse_many(settings.api_key_rate_limit)
        self.per_learner = parse_many(settings.api_learner_rate_limit)
        self.retries = parse_many(settings.api_retry_rate_limit)
        self._storage = storage = RedisStorage(
            settings.redis_url,
            key_prefix=f"{settings.broker_namespace}:api-limits",
            wrap_exceptions=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        # Two counters per window: no burst of twice the limit at a window's edge,
        # for two Redis keys (a moving window keeps one entry per request).
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    def close(self) -> None:
        """Close the Redis connections (the process is stopping)."""
        self._storage.storage.close()

    def hit(self, items: list[RateLimitItem], *identifiers: str) -> None:
        """Count one request; 429 with Retry-After when the caller is over a limit."""
        try:
            for item in items:
                if not self.limiter.hit(item, *identifiers):
                    reset = self.limiter.get_window_stats(item, *identifiers).reset_time
                    raise _over(item, reset)
        except StorageError as exc:
            raise RateLimiterUnavailable() from exc


def _over(item: RateLimitItem, reset: float) -> ApiError:
    retry_after = max(1, math.ceil(reset - time.time()))
    return ApiError(
        429,
        "rate_limited",
        f"Too many requests: at most {item}. Try again in {retry_after} s.",
        {"Retry-After": str(retry_after)},
    )

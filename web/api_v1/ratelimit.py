"""Rate limits per API key and per learner with the ``limits`` library, counted in Redis so
that every web process shares the count; a caller over its limit gets 429 and Retry-After."""

from __future__ import annotations

import math
import time

import redis
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from certflow.errors import RateLimiterUnavailable
from certflow.settings import Settings
from web.api_v1.errors import ApiError


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        # Parsed now: a malformed limit fails at start-up, naming the variable.
        self.per_key = _parse("API_KEY_RATE_LIMIT", settings.api_key_rate_limit)
        self.per_learner = _parse("API_LEARNER_RATE_LIMIT", settings.api_learner_rate_limit)
        self.retries = _parse("API_RETRY_RATE_LIMIT", settings.api_retry_rate_limit)
        storage = RedisStorage(
            settings.redis_url,
            key_prefix=f"{settings.broker_namespace}:api-limits",
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        # Two counters per window: no burst of twice the limit at a window's edge,
        # for two Redis keys (a moving window keeps one entry per request).
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    def hit(self, item: RateLimitItem, *identifiers: str) -> None:
        """Count one request; 429 with Retry-After when the caller is over its limit."""
        try:
            if self.limiter.hit(item, *identifiers):
                return
            reset = self.limiter.get_window_stats(item, *identifiers).reset_time
        except redis.RedisError as exc:
            raise RateLimiterUnavailable() from exc
        retry_after = max(1, math.ceil(reset - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: at most {item}. Try again in {retry_after} s.",
            {"Retry-After": str(retry_after)},
        )


def _parse(name: str, value: str) -> RateLimitItem:
    from certflow.errors import ConfigError

    try:
        return parse(value)
    except ValueError:
        raise ConfigError(f"{name} is not a rate limit such as 600/minute") from None

"""What a sign-in attempt may cost: counted per account and per address in Redis (the
``limits`` library, shared by every web process), and a bound on the password
hashes computed at once (scrypt takes 32 MiB each).

Every attempt counts, before any hashing, so an attacker over a limit costs one
Redis round trip; the correct password is refused too until the window moves on.
An attempt that finds every hashing slot taken is answered at once (503), never
queued behind the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from certflow.errors import BrokerUnavailable
from certflow.settings import Settings


class SignInLimits:
    def __init__(self, settings: Settings) -> None:
        storage = RedisStorage(
            settings.redis_url,
            key_prefix=f"{settings.broker_namespace}:sign-in",
            wrap_exceptions=True,
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_account = parse_many(settings.admin_login_limit_per_account)
        self.per_address = parse_many(settings.admin_login_limit_per_address)
        self.hashing = threading.BoundedSemaphore(settings.admin_login_concurrency)

    def admit(self, name: str, address: str) -> int | None:
        """Count one attempt; None when allowed, else the seconds until one is."""
        checks = [(limit, "address", address) for limit in self.per_address]
        checks += [(limit, "account", name.casefold()[:200]) for limit in self.per_account]
        try:
            for limit, kind, who in checks:
                if not self.limiter.hit(limit, kind, who):
                    reset = self.limiter.get_window_stats(limit, kind, who).reset_time
                    return max(1, int(reset - time.time()) + 1)
        except StorageError as exc:
            raise BrokerUnavailable("sign-in limits unavailable: Redis is not answering") from exc
        return None

    @contextmanager
    def hashing_slot(self) -> Iterator[bool]:
        """True with a slot to hash a password in; False at once when all are taken."""
        acquired = self.hashing.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                self.hashing.release()

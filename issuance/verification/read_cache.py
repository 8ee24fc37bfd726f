"""A small time-bounded cache for the verification page's chain and storage reads.

A certificate link shared on a social network is opened by many people (and
crawlers) within minutes; each view must not cost several RPC calls and an
object download. Values live ``ttl`` seconds; failures are not cached, so the
page notices as soon as the node answers again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: Entries beyond this are dropped oldest-first: a crawler walking ids must not grow memory.
MAX_ENTRIES = 10_000


class ReadCache:
    """Thread-safe: the web server answers requests in a thread pool."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``load()``'s (cached when it returns)."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]  # type: ignore[no-any-return]  # stored by the same key's load
        # Loaded outside the lock: one slow RPC call must not stall every other page.
        value = load()
        if self.ttl > 0:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.pop(next(iter(self._entries)))
                self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

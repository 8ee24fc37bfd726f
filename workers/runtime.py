"""The process's settings and database engine, built once and shared by actors.

Tests and the CLI call ``configure``; a worker process configures itself from
the environment on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import sqlalchemy as sa

from certflow.settings import Settings, load_settings
from db.engine import make_engine


@dataclass
class Runtime:
    settings: Settings
    _engine: sa.Engine | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engine(self) -> sa.Engine:
        # Built lazily: importing actors must not connect to anything.
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.settings, pool_size=16, pre_ping=False)
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


_current: Runtime | None = None
_guard = threading.Lock()


def configure(settings: Settings) -> Runtime:
    global _current  # noqa: PLW0603 - one runtime per process, swapped only by tests and the CLI
    with _guard:
        if _current is not None:
            _current.close()
        _current = Runtime(settings)
        return _current


def current() -> Runtime:
    with _guard:
        runtime = _current
    return runtime if runtime is not None else configure(load_settings())

"""A worker process's runtime: everything its actors use, built from one Settings value.

One object holds the engine, the broker, the object store and the issuer
(web3 clients and transaction sender); actors receive it, nothing reads a
module-level global. The store and the issuer are built on first use, so a
completion-only worker never loads web3 or connects to storage.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from certflow.settings import Settings
from db.engine import make_engine
from workers.broker import CertflowBroker, build_broker

if TYPE_CHECKING:
    from issuance.certificates.issuer import Issuer
    from issuance.webhooks.delivery import EndpointSlots
    from render.storage import ObjectStore


@dataclass
class Runtime:
    settings: Settings
    engine: sa.Engine
    broker: CertflowBroker
    _store: ObjectStore | None = field(default=None, repr=False)
    _issuer: Issuer | None = field(default=None, repr=False)
    _webhook_slots: EndpointSlots | None = field(default=None, repr=False)
    _webhook_engine: sa.Engine | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """The runtime for ``settings``; connects to nothing until used."""
        # No pre-ping on the hot path: a dead connection fails as a transient
        # error (retried), after which SQLAlchemy drops the stale pool.
        engine = make_engine(settings, pool_size=16, pre_ping=False)
        return cls(settings, engine, build_broker(settings, engine))

    @property
    def store(self) -> ObjectStore:
        with self._lock:
            if self._store is None:
                from render.storage import ObjectStore

                self._store = ObjectStore.from_settings(
                    self.settings, region=self.settings.s3_region
                )
            return self._store

    @property
    def issuer(self) -> Issuer:
        with self._lock:
            if self._issuer is None:
                from issuance.certificates.issuer import Issuer

                self._issuer = Issuer.build(self.settings, self.engine)
            return self._issuer

    @property
    def webhook_slots(self) -> EndpointSlots:
        """This worker process's cap on attempts in flight per webhook endpoint."""
        with self._lock:
            if self._webhook_slots is None:
                from issuance.webhooks.delivery import EndpointSlots

                self._webhook_slots = EndpointSlots(self.settings.webhook_max_in_flight)
            return self._webhook_slots

    @property
    def webhook_engine(self) -> sa.Engine:
        """Webhook attempts' connections: commits without waiting for the WAL flush (at
        least once: a lost commit is one more attempt under the same id). The fan-out,
        whose rows must survive before any attempt, uses ``engine``."""
        with self._lock:
            if self._webhook_engine is None:
                self._webhook_engine = make_engine(
                    self.settings, pool_size=16, pre_ping=False, flush_commits=False
                )
            return self._webhook_engine

    def close(self) -> None:
        if self._webhook_engine is not None:
            self._webhook_engine.dispose()
        if self._webhook_slots is not None:
            from issuance.webhooks.transport import close_idle

            close_idle()
        self.broker.close()
        self.engine.dispose()

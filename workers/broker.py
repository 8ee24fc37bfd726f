"""The Redis broker, built from settings and passed in; never dramatiq's implicit default.

dramatiq's implicit default broker points at RabbitMQ, so nothing here calls
``dramatiq.get_broker()``: the worker runtime (``workers/runtime.py``) builds
one broker per process and declares the actors on it, and the relay builds a
producer-only one.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import dramatiq
import sqlalchemy as sa
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis
from dramatiq.middleware import CurrentMessage, Middleware, ShutdownNotifications, TimeLimit

from certflow.settings import Settings
from workers import policy
from workers.middleware.dead_letters import DeadLetters
from workers.middleware.idempotency import IdempotencyLedger
from workers.middleware.log_context import LogContext


class CertflowBroker(RedisBroker):
    """A Redis broker whose idle consumers poll every ``poll_ms``.

    dramatiq backs an idle consumer off up to the worker timeout (a second by
    default); a short cap keeps an idle pipeline's latency in milliseconds for
    the cost of a cheap Lua call per poll.
    """

    def __init__(self, *, poll_ms: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.poll_ms = poll_ms

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        return super().consume(queue_name, prefetch=prefetch, timeout=min(timeout, self.poll_ms))

    def enqueue_many(self, messages: list[dramatiq.Message[Any]]) -> None:
        """Enqueue a batch in one Redis round trip (the relay's hot path).

        Same effect as ``enqueue`` per message: the same dispatch script with
        the same arguments, sent through a non-transactional pipeline.
        """
        dispatch = self.scripts["dispatch"]
        prepared = [m.copy(options={"redis_message_id": str(uuid4())}) for m in messages]
        with self.client.pipeline(transaction=False) as pipe:
            for message in prepared:
                self.emit_before("enqueue", message, None)
                args = [
                    "enqueue",
                    current_millis(),
                    message.queue_name,
                    self.broker_id,
                    self.heartbeat_timeout,
                    self.dead_message_ttl,
                    self._should_do_maintenance("enqueue"),
                    self._max_unpack_size(),  # type: ignore[no-untyped-call]
                    message.options["redis_message_id"],
                    message.encode(),
                ]
                dispatch(keys=[self.namespace], args=args, client=pipe)
            pipe.execute()
        for message in prepared:
            self.emit_after("enqueue", message, None)


def build_broker(settings: Settings, engine: sa.Engine | None = None) -> CertflowBroker:
    """The broker for these settings; ``engine`` makes it a consumer (dead letters).

    Without an engine it only produces (the relay): nothing it sends is
    processed in this process, so it needs no consumer middleware.
    """
    middleware: list[Middleware] = []
    if engine is not None:
        middleware.append(DeadLetters(engine, redeliver_after_ms=settings.max_backoff_ms))
    middleware += [
        TimeLimit(time_limit=10 * 60 * 1000),
        ShutdownNotifications(),
        policy.retries(settings),
        CurrentMessage(),
        LogContext(),
        IdempotencyLedger(),
    ]
    return CertflowBroker(
        url=settings.redis_url,
        middleware=middleware,
        namespace=settings.broker_namespace,
        poll_ms=settings.worker_poll_ms,
        # A killed worker's unacked messages go back on the queue once its
        # heartbeat is this old; maintenance runs on this many fetches per million.
        heartbeat_timeout=settings.worker_heartbeat_timeout_ms,
        maintenance_chance=settings.broker_maintenance_chance,
    )

"""The outbox relay: the only producer to the broker.

It drains ``event_outbox`` in batches (``FOR UPDATE SKIP LOCKED``, so relays can
run side by side without sending an event twice), sends each event to its
actors with the idempotency key in the message, and marks the rows dispatched
in the same transaction. NOTIFY is only a wake-up: the relay marks itself
waiting before it sleeps on LISTEN, and polls as a fallback.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import dramatiq
import redis
import sqlalchemy as sa
import structlog
from dramatiq.common import compute_backoff
from prometheus_client import Counter

from certflow.errors import BadEvent, BrokerUnavailable, RelayConnectionLost, TransientError
from certflow.settings import Settings
from db import outbox
from db.engine import make_engine, wrap_db_errors
from events import schemas
from events.batches import batch_messages
from events.messages import IDEMPOTENCY_KEY, OUTBOX_ID
from events.routes import actors_for, queue_of

log = structlog.get_logger("certflow.relay")

CHANNEL = "certflow"
#: The first wait after marking itself waiting (see ``_serve``).
GRACE_SECONDS = 0.02
_MESSAGE_IDS = uuid.UUID("6f1d3c1e-2b7a-4c55-9a53-5c1e0b7d2a10")

#: Throughput: counted after the batch commits, so an event is counted once per send.
RELAYED = Counter("certflow_relay_events_relayed", "Outbox events sent to the queues.")
REJECTED = Counter(
    "certflow_relay_events_rejected", "Outbox events parked because they cannot be sent."
)


def build_messages(event: outbox.OutboxEvent) -> list[dramatiq.Message[Any]]:
    """The dramatiq messages for one outbox event (BadEvent if it cannot be sent)."""
    payload = schemas.validate(event.kind, event.payload)
    if isinstance(payload, schemas.Replay):
        targets = [(payload.actor, payload.payload, payload.idempotency_key, payload.outbox_id)]
    else:
        targets = [
            (name, event.payload, event.idempotency_key, event.id)
            for name in actors_for(event.kind)
        ]
    messages: list[dramatiq.Message[Any]] = []
    for actor_name, args, key, outbox_id in targets:
        messages.append(
            dramatiq.Message(
                queue_name=queue_of(actor_name),
                actor_name=actor_name,
                args=(args,),
                kwargs={},
                options={IDEMPOTENCY_KEY: key, OUTBOX_ID: outbox_id},
                # Deterministic: the same event sent twice is recognisably the same message.
                message_id=str(uuid.uuid5(_MESSAGE_IDS, f"{actor_name}:{key}:{event.id}")),
            )
        )
    return messages


class Relay:
    def __init__(
        self,
        settings: Settings,
        broker: dramatiq.Broker,
        stopping: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.broker = broker
        self.engine = make_engine(settings, pool_size=1)
        #: Set (``stop``, or by whoever passed it in) to end ``run`` after the batch in hand.
        self.stopping = stopping or threading.Event()
        self.sent = 0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Until stopped: connect, drain, wait; reconnect when Postgres or Redis go away."""
        failures = 0
        while not self.stopping.is_set():
            try:
                with wrap_db_errors(), self.engine.connect() as conn:
                    failures = 0
                    self._serve(conn)
            except TransientError as exc:
                failures += 1
                _, delay_ms = compute_backoff(failures, factor=100, max_backoff=5000)
                log.warning("relay_disconnected", error=str(exc), retry_in_ms=delay_ms)
                self.engine.dispose()
                self.stopping.wait(delay_ms / 1000)
        self.engine.dispose()
        log.info("relay_stopped", sent=self.sent)

    def _serve(self, conn: sa.Connection) -> None:
        conn.execute(sa.text(f"LISTEN {CHANNEL}"))
        conn.commit()
        log.info("relay_listening", channel=CHANNEL)
        waiting = False
        grace = False
        while not self.stopping.is_set():
            handled = self.drain(conn)
            if handled:
                # One event per wake-up is an idle pipeline: stay marked, so the
                # next commit notifies too. More means load: stop the NOTIFYs.
                if waiting and handled > 1:
                    waiting = self._set_waiting(conn, False)
                continue
            if not self.settings.relay_notify:
                self.stopping.wait(self.settings.relay_poll_seconds)
                continue
            if not waiting:
                # Drain once more after the mark is visible, and wait only a
                # short grace period first: a commit that read the mark just
                # before it changed did not notify and lands within moments.
                waiting = grace = self._set_waiting(conn, True)
                continue
            self._wait(conn, GRACE_SECONDS if grace else self.settings.relay_poll_seconds)
            grace = False

    def drain(self, conn: sa.Connection) -> int:
        """Send one batch; returns how many events were handled."""
        with wrap_db_errors():
            events = outbox.claim_batch(conn, self.settings.relay_batch_size)
            if not events:
                conn.commit()
                return 0
            sendable: list[tuple[outbox.OutboxEvent, list[dramatiq.Message[Any]]]] = []
            for event in events:
                messages = self._messages(conn, event)
                if messages is not None:
                    sendable.append((event, messages))
            messages = [m for _, ms in sendable for m in ms]
            self._enqueue(conn, batch_messages(messages, self.settings.actor_batch_size))
            sent_ids = [event.id for event, _ in sendable]
            outbox.mark_dispatched(conn, sent_ids)
            conn.commit()
        self.sent += len(sent_ids)
        RELAYED.inc(len(sent_ids))
        REJECTED.inc(len(events) - len(sent_ids))
        log.debug("relay_batch_sent", count=len(sent_ids))
        return len(events)

    def _messages(
        self, conn: sa.Connection, event: outbox.OutboxEvent
    ) -> list[dramatiq.Message[Any]] | None:
        """The event's messages, or None after parking an event that cannot be sent."""
        try:
            return build_messages(event)
        except BadEvent as exc:
            log.error(
                "outbox_event_rejected",
                outbox_id=event.id,
                kind=event.kind,
                idempotency_key=event.idempotency_key,
                error=exc.user_message,
            )
            outbox.mark_failed(conn, event.id, exc.user_message)
            return None

    def _enqueue(self, conn: sa.Connection, messages: list[dramatiq.Message[Any]]) -> None:
        if not messages:
            return
        try:
            enqueue_many = getattr(self.broker, "enqueue_many", None)
            if enqueue_many is not None:
                enqueue_many(messages)
            else:
                for message in messages:
                    self.broker.enqueue(message)
        except redis.RedisError as exc:
            # Nothing is marked dispatched: the batch goes again after reconnecting.
            conn.rollback()
            raise BrokerUnavailable(f"broker unavailable: {type(exc).__name__}") from exc

    def _set_waiting(self, conn: sa.Connection, waiting: bool) -> bool:
        with wrap_db_errors():
            outbox.set_waiting(conn, waiting)
            conn.commit()
        return waiting

    def _wait(self, conn: sa.Connection, timeout: float) -> None:
        """Sleep until a NOTIFY arrives or ``timeout`` passes."""
        pg = conn.connection.driver_connection
        assert pg is not None
        with wrap_db_errors():
            try:
                for _ in pg.notifies(timeout=timeout, stop_after=1):
                    pass
            except Exception as exc:  # psycopg raises its own OperationalError here
                raise RelayConnectionLost(f"listen connection lost: {type(exc).__name__}") from exc

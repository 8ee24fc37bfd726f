"""What every long-running process does alike: stop on SIGTERM within the grace
period, and serve its metrics on localhost."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

import structlog

from certflow.settings import Settings

log = structlog.get_logger("certflow.lifecycle")


def on_terminate(stop: Callable[[], None], grace: float, process: str) -> None:
    """SIGTERM or SIGINT asks ``stop`` to finish what is in hand; a process still alive
    ``grace`` seconds later exits at once. What it held then is in an uncommitted
    transaction, rolled back, and done again after the restart."""

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("shutdown_requested", process=process, grace_seconds=grace)
        stop()
        timer = threading.Timer(grace, _overdue, args=(process, grace))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _overdue(process: str, grace: float) -> None:
    log.error("shutdown_grace_exceeded", process=process, grace_seconds=grace)
    os._exit(1)


def serve_operations_metrics(
    settings: Settings, port: int, process: str, *, balance: bool = True
) -> None:
    """The system-wide figures (outbox lag, dead letters, chain, certificates) read
    from Postgres at each scrape, on ``METRICS_HOST:port``; with ``balance``, the
    signer's balance from the node too (the relay leaves it out: no web3 there)."""
    if port == 0:
        return
    from prometheus_client import REGISTRY

    from certflow.metrics import serve
    from db.engine import make_engine
    from events.routes import QUEUES
    from issuance.operations.metrics import OperationsCollector

    read_balance = None
    if balance and settings.lock_manager_address:
        from chain.balance import balance_reader

        read_balance = balance_reader(settings.rpc_url, settings.lock_manager_address)
    engine = make_engine(settings, pool_size=1, read_only=True)
    queues = sorted(set(QUEUES.values()))
    REGISTRY.register(OperationsCollector(engine, read_balance, queues))
    serve(settings.metrics_host, port, process)

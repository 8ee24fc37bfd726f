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


def serve_operations_metrics(settings: Settings, port: int, process: str) -> None:
    """The system-wide figures (outbox lag, dead letters, chain, balance, certificates)
    read from Postgres and the node at each scrape, on ``METRICS_HOST:port``."""
    if port == 0:
        return
    from prometheus_client import REGISTRY

    from certflow.metrics import serve
    from db.engine import make_engine
    from events.routes import QUEUES
    from issuance.metrics import OperationsCollector, balance_reader

    engine = make_engine(settings, pool_size=1, read_only=True)
    queues = sorted(set(QUEUES.values()))
    REGISTRY.register(OperationsCollector(engine, balance_reader(settings), queues))
    serve(settings.metrics_host, port, process)

"""Load what a chain or render worker needs as soon as it boots, not on its first message.

The chain and render actors import web3, the contracts' ABIs and ReportLab
lazily, so a worker for other queues never loads them. A worker that does
consume those queues paid it on the first message of a burst: seconds on a
busy machine, while every claim waited. Loading them in a background thread
at boot keeps boot fast (the worker takes messages at once) and takes the
cost off the burst; a message that arrives first simply waits on the same
import lock or runtime lock.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import structlog
from dramatiq.middleware import Middleware

from certflow.errors import CertflowError

if TYPE_CHECKING:
    from workers.runtime import Runtime

log = structlog.get_logger("certflow.worker")


class WarmUp(Middleware):
    """After boot, import the chain and render use cases and build their clients."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.thread: threading.Thread | None = None

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        queues = getattr(worker, "consumer_whitelist", None) or {"chain", "render"}
        wanted = {"chain", "render"} & set(queues)
        if wanted:
            self.thread = threading.Thread(
                target=warm_up, args=(self.runtime, wanted), name="warm-up", daemon=True
            )
            self.thread.start()


def warm_up(rt: Runtime, queues: set[str]) -> None:
    """Import and build what ``queues``' actors use; a failure is left to the first message."""
    for queue in sorted(queues):
        try:
            _WARM[queue](rt)
        except (CertflowError, ImportError, OSError) as exc:
            # The first message builds the same things and reports the error properly.
            log.warning("warm_up_failed", queue=queue, error=str(exc))


def _chain(rt: Runtime) -> None:
    from issuance.certificates import attestations, grants  # noqa: F401

    _ = rt.issuer


def _render(rt: Runtime) -> None:
    from issuance.certificates import certificate_pdf  # noqa: F401
    from render.fonts import check_fonts

    check_fonts()


_WARM = {"chain": _chain, "render": _render}

"""The reconciler: heals certificates stuck between states, once or every N seconds."""

from __future__ import annotations

import threading

import structlog

from certflow.errors import CertflowError
from certflow.settings import Settings
from chain.issuance import Issuer, reconcile_once
from db.engine import make_engine

log = structlog.get_logger("certflow.reconcile")


def run(
    settings: Settings, every: float | None, stop: threading.Event | None = None
) -> dict[str, int]:
    """One pass, or (with ``every``) passes until ``stop`` is set; the last pass's counts."""
    engine = make_engine(settings, pool_size=2)
    stop = stop or threading.Event()
    counts: dict[str, int] = {}
    try:
        issuer = Issuer.build(settings, engine)
        while True:
            try:
                counts = reconcile_once(issuer)
            except CertflowError as exc:
                if every is None:
                    raise
                log.warning("reconcile_pass_failed", error=exc.user_message)
            if every is None or stop.wait(every):
                return counts
    finally:
        engine.dispose()

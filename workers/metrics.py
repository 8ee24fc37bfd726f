"""dramatiq's Prometheus middleware, configured from settings, and what the worker
processes count themselves.

The middleware reads ``dramatiq_prom_host``, ``dramatiq_prom_port`` and
``dramatiq_prom_db`` when it is imported, in the worker processes and in the
exposition server that dramatiq's main process forks: ``certflow worker`` puts
them in the environment before it becomes dramatiq, so every one sees ours. It
sets ``PROMETHEUS_MULTIPROC_DIR`` too, so that certflow's own counters below
are kept in the same files and served by the same endpoint, whichever module
imports prometheus_client first.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from dramatiq import Broker
from prometheus_client import Counter

from certflow.settings import Settings

#: Counted where it happens, once the PDF and its row are committed (a duplicate
#: delivery or an unchanged certificate is not counted): cheaper than counting rows.
RENDERED = Counter(
    "certflow_certificates_rendered", "Certificate PDFs rendered (new versions included)."
)


def multiprocess_dir(settings: Settings) -> Path:
    """One directory per namespace and port: worker types on one host never mix counts."""
    name = f"certflow-dramatiq-{settings.broker_namespace}-{settings.worker_metrics_port}"
    return Path(tempfile.gettempdir()) / name


def prometheus_environ(settings: Settings) -> dict[str, str]:
    return {
        "dramatiq_prom_host": settings.metrics_host,
        "dramatiq_prom_port": str(settings.worker_metrics_port),
        "dramatiq_prom_db": str(multiprocess_dir(settings)),
        "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir(settings)),
    }


def fresh_multiprocess_dir(settings: Settings) -> None:
    """Empty the directory before the workers start: a restart's counters start at 0,
    as Prometheus expects of a new process, instead of adding a dead run's files."""
    path = multiprocess_dir(settings)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


def add_prometheus(broker: Broker, settings: Settings) -> bool:
    """dramatiq's own metrics on this worker process's broker, unless the port is 0."""
    if settings.worker_metrics_port == 0:
        return False
    from dramatiq.middleware.prometheus import Prometheus  # reads the environment on import

    broker.add_middleware(Prometheus())
    return True

"""``certflow scheduler``: reconcile and retention, periodically, under advisory locks."""

from __future__ import annotations

import threading

import click

from cli import common, lifecycle


@click.command()
def scheduler() -> None:
    """Run the reconciler every SCHEDULE_RECONCILE_SECONDS and retention every
    SCHEDULE_RETENTION_SECONDS. Any number may run: each run takes its job's
    Postgres advisory lock, and a run whose lock is held elsewhere is skipped."""
    settings = common.settings()
    stop = threading.Event()
    # Before the heavy imports: a SIGTERM while the scheduler starts is a clean stop too.
    lifecycle.on_terminate(stop.set, settings.shutdown_grace_seconds, "scheduler")
    from db.engine import make_engine
    from workers.scheduler import Scheduler, default_jobs

    lifecycle.serve_operations_metrics(settings, settings.scheduler_metrics_port, "scheduler")
    engine = make_engine(settings, pool_size=2)
    running = Scheduler(engine, default_jobs(settings, engine))
    if not stop.is_set():  # a SIGTERM during start-up: start nothing
        running.start()
        stop.wait()
        running.stop(settings.shutdown_grace_seconds)
    engine.dispose()


COMMANDS: list[click.Command] = [scheduler]

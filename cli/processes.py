"""The long-running processes (as the Procfile runs them) and the migration before them."""

from __future__ import annotations

import os
import signal
import sys
import threading

import click

from cli import common


@click.command()
def migrate() -> None:
    """Apply the SQL migrations in sql/ (safe to run again)."""
    from db.migrate import migrate as apply

    settings = common.settings()
    applied = apply(settings)
    click.echo(
        f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else "")
    )


@click.command()
def relay() -> None:
    """Send outbox events to the queues (LISTEN/NOTIFY with a polling fallback)."""
    from events.relay import Relay
    from workers.broker import build_broker

    settings = common.settings()
    running = Relay(settings, build_broker(settings))
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    signal.signal(signal.SIGINT, lambda *_: running.stop())
    running.run()


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--queues", "-Q", multiple=True, help="Queues to consume (default: all).")
@click.option("--processes", "-p", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", "-t", default=8, show_default=True, help="Threads per process.")
def worker(queues: tuple[str, ...], processes: int, threads: int) -> None:
    """Run actors (dramatiq worker processes) for some or all queues."""
    common.settings()  # fail here, naming the variable, before forking workers
    # workers.main:setup builds each worker process's runtime from the environment.
    argv = ["dramatiq", "workers.main:setup", "--processes", str(processes)]
    argv += ["--threads", str(threads), "--skip-logging"]
    for queue in queues:
        argv += ["--queues", queue]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606 - become the worker


@click.command()
@click.option("--every", type=float, default=None, help="Run a pass every SECONDS (default: once).")
def reconcile(every: float | None) -> None:
    """Heal certificates stuck between states (unmined transactions, claims, attestations)."""
    from issuance.reconcile import run

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    common.print_json(run(common.settings(), every, stop))


COMMANDS: list[click.Command] = [migrate, relay, worker, reconcile]

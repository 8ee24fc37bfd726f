"""The long-running processes (as the Procfile runs them) and the migration before them."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from certflow.process_secrets import (
    needs_credential_key,
    needs_signer,
    without_credential_key,
    without_signer,
)
from certflow.settings import Settings
from cli import common, lifecycle

if TYPE_CHECKING:
    from db.audit import Action


@click.command()
def migrate() -> None:
    """Apply the SQL migrations in sql/, then the changed rules files of sql/rules/ (safe to
    run again); create the database if missing."""
    from cli.errors import where
    from db.migrate import ensure_database
    from db.migrate import migrate as apply
    from db.rules import PREFIX

    settings = common.settings()
    if ensure_database(settings):
        click.echo(f"created database {where(settings.database_url)[2]}")
    applied = apply(settings)
    for name in applied:
        click.echo(f"applied {name}")
    rules = sum(name.startswith(PREFIX) for name in applied)
    counts = [f"{len(applied) - rules} migration(s)"] if len(applied) > rules else []
    counts += [f"{rules} rules file(s)"] if rules else []
    click.echo(" and ".join(counts) + " applied" if applied else "schema up to date")


@click.command()
def relay() -> None:
    """Send outbox events to the queues (LISTEN/NOTIFY with a polling fallback)."""
    _restart_without_signer()  # the relay only moves events: it never signs
    settings = common.settings()
    stopping = threading.Event()
    # Before the heavy imports: a SIGTERM while the relay starts is a clean stop too.
    lifecycle.on_terminate(stopping.set, settings.shutdown_grace_seconds, "relay")
    from events.relay import Relay
    from workers.broker import build_broker

    running = Relay(settings, build_broker(settings), stopping)
    lifecycle.serve_operations_metrics(
        settings, settings.relay_metrics_port, "relay", balance=False
    )
    running.run()


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--queues", "-Q", multiple=True, help="Queues to consume (default: all).")
@click.option("--processes", "-p", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", "-t", default=8, show_default=True, help="Threads per process.")
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="dramatiq's Prometheus port (default: $WORKER_METRICS_PORT, 9191; 0: off).",
)
def worker(queues: tuple[str, ...], processes: int, threads: int, metrics_port: int | None) -> None:
    """Run actors (dramatiq worker processes) for some or all queues."""
    from workers.metrics import fresh_multiprocess_dir, prometheus_environ

    if not needs_signer(queues):
        _drop_signer()  # completion and render workers never see the signer's key
    if not needs_credential_key(queues):
        _drop(without_credential_key)  # only the render worker signs credentials
    if metrics_port is not None:
        os.environ["WORKER_METRICS_PORT"] = str(metrics_port)
    settings = common.settings()  # fail here, naming the variable, before forking workers
    if settings.worker_metrics_port:
        os.environ.update(prometheus_environ(settings))
        fresh_multiprocess_dir(settings)
    # workers.main:setup builds each worker process's runtime from the environment.
    argv = ["dramatiq", "workers.main:setup", "--processes", str(processes)]
    argv += ["--threads", str(threads), "--skip-logging"]
    # On SIGTERM in-flight messages get this long to finish; the rest go back to the queue.
    argv += ["--worker-shutdown-timeout", str(int(settings.shutdown_grace_seconds * 1000))]
    for queue in queues:
        argv += ["--queues", queue]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606 - become the worker


def _restart_without_signer() -> None:
    """Become this same command with no signer key in the environment.

    Removing it from ``os.environ`` is not enough: the process's initial
    environment (``/proc/PID/environ``, a core dump) keeps it, so exec afresh.
    The restarted command reloads ``.env``, hence ``_drop_signer`` after.
    """
    kept = without_credential_key(without_signer(os.environ))
    if os.environ.get(_RESTARTED) is None and kept != dict(os.environ):
        env = {**kept, _RESTARTED: "1"}
        argv = [sys.executable, "-m", "cli", *sys.argv[1:]]
        os.execve(sys.executable, argv, env)  # noqa: S606 - a fixed argv: this same command
    _drop_signer()
    _drop(without_credential_key)


_RESTARTED = "CERTFLOW_RESTARTED_WITHOUT_SIGNER"


def _drop_signer() -> None:
    """Remove the signer's key from this process's environment (and so its children's)."""
    _drop(without_signer)


def _drop(keep: Callable[[Mapping[str, str]], dict[str, str]]) -> None:
    """Remove what ``keep`` leaves out from this process's environment (and its children's)."""
    kept = keep(os.environ)
    for name in set(os.environ) - set(kept):
        del os.environ[name]


@click.command()
@click.option("--every", type=float, default=None, help="Run a pass every SECONDS (default: once).")
@click.option("--dry-run", is_flag=True, help="Print what a pass would heal; change nothing.")
@common.json_option
def reconcile(every: float | None, dry_run: bool, as_json: bool) -> None:
    """Heal every stuck state from Postgres (completions, claims, renders, lost messages),
    prune old events and keys, and heal the chain side when a chain is configured.

    A single pass exits 1 when a part could not be done (the chain unreachable):
    the rest is healed and the report names the part. A single pass run by an
    admin is audited; the scheduler's passes (--every, the worker role) are not.
    """
    stop = threading.Event()
    settings = common.settings()
    common.require_schema(settings)
    lifecycle.on_terminate(stop.set, settings.shutdown_grace_seconds, "reconcile")
    from events.routes import redeliverable
    from issuance.operations.reconcile import run

    with _audited_pass(settings, every is None and not dry_run) as action:
        report = run(settings, every, stop, routes=redeliverable(), dry_run=dry_run)
        if action is not None:
            action.done(report)
    common.output(report, as_json, _print_report)
    if every is None and report["not_done"]:
        sys.exit(1)


@contextmanager
def _audited_pass(settings: Settings, wanted: bool) -> Iterator[Action | None]:
    """The audit of an admin's single pass; None for the scheduler or a dry run."""
    from db.repairs import is_admin

    if wanted:
        with common.transaction(settings) as conn:
            wanted = is_admin(conn)
    if not wanted:
        yield None
        return
    with common.audited(settings, "reconcile") as action:
        yield action


def _print_report(report: dict[str, Any]) -> None:
    counts = ", ".join(
        f"{report.get(name)} {label}"
        for name, label in [
            ("completions", "completions"),
            ("auto_claims", "automatic claims"),
            ("renders", "renders"),
            ("lost_messages", "lost messages"),
            ("pruned_outbox", "old events pruned"),
            ("pruned_ledger", "old ledger keys pruned"),
        ]
    )
    click.echo(("would heal: " if report.get("dry_run") else "healed: ") + counts)
    chain = report.get("chain")
    if isinstance(chain, dict):
        chain = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in chain.items())
    click.echo(f"chain: {chain}")
    for part, error in report.get("not_done", {}).items():
        click.echo(f"not done: {part}: {error}", err=True)


COMMANDS: list[click.Command] = [migrate, relay, worker, reconcile]

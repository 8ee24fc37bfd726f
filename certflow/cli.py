"""The ``certflow`` command."""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any
from uuid import UUID

import click
from dotenv import load_dotenv

from certflow.errors import CertflowError
from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


class _Group(click.Group):
    """Shows certflow errors as one line with a non-zero exit, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CertflowError as exc:
            click.echo(f"error: {exc.user_message}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
def main() -> None:
    """certflow: bootcamp progress in, verifiable credentials out."""
    load_dotenv(override=False)


@main.command()
def migrate() -> None:
    """Apply the SQL migrations in sql/ (safe to run again)."""
    from db import claims
    from db.engine import make_engine, transaction
    from db.migrate import migrate as apply

    settings = _settings()
    applied = apply(settings)
    click.echo(
        f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else "")
    )
    # SQL cannot read the environment: request_certificate_claim() reads the flags from this row.
    engine = make_engine(settings, pool_size=1)
    with transaction(engine) as conn:
        claims.sync_flags(conn, settings)
    engine.dispose()


@main.command()
def relay() -> None:
    """Send outbox events to the queues (LISTEN/NOTIFY with a polling fallback)."""
    from events.relay import Relay
    from workers.actors import broker

    relay = Relay(_settings(), broker)
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    signal.signal(signal.SIGINT, lambda *_: relay.stop())
    relay.run()


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--queues", "-Q", multiple=True, help="Queues to consume (default: all).")
@click.option("--processes", "-p", default=1, show_default=True, help="Worker processes.")
@click.option("--threads", "-t", default=8, show_default=True, help="Threads per process.")
def worker(queues: tuple[str, ...], processes: int, threads: int) -> None:
    """Run actors (dramatiq worker processes) for some or all queues."""
    _settings()  # fail here, naming the variable, before forking workers
    argv = ["dramatiq", "workers.actors", "--processes", str(processes), "--threads", str(threads)]
    argv += ["--skip-logging"]
    for queue in queues:
        argv += ["--queues", queue]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606 - become the worker


@main.command("fix-status")
@click.argument("enrollment_id", type=click.UUID)
def fix_status(enrollment_id: UUID) -> None:
    """Admin: mark one enrollment completed if all its milestones are."""
    from db import completion
    from db.engine import make_engine, transaction

    with transaction(make_engine(_settings())) as conn:
        _print_json(completion.fix_status(conn, enrollment_id))


@main.command("fix-statuses")
@click.argument("cohort_id")
@click.option("--limit", default=500, show_default=True)
def fix_statuses(cohort_id: str, limit: int) -> None:
    """Admin: fix every eligible enrollment of a cohort in one statement."""
    from db import completion
    from db.engine import make_engine, transaction

    with transaction(make_engine(_settings())) as conn:
        _print_json(completion.fix_statuses(conn, cohort_id, limit))


@main.command("force-unlock")
@click.argument("enrollment_id", type=click.UUID)
def force_unlock(enrollment_id: UUID) -> None:
    """Admin: clear a stuck certificate claim flag."""
    from db import completion
    from db.engine import make_engine, transaction

    with transaction(make_engine(_settings())) as conn:
        _print_json(completion.force_clear_claim_lock(conn, enrollment_id))


@main.group("dead-letters")
def dead_letters_group() -> None:
    """Admin: messages that failed for good."""


@dead_letters_group.command("list")
@click.option("--limit", default=100, show_default=True)
def dead_letters_list(limit: int) -> None:
    """Show dead letters that were not replayed yet."""
    from workers.admin import list_dead_letters

    rows = list_dead_letters(_settings(), limit)
    if not rows:
        click.echo("no dead letters")
    for row in rows:
        kind = "permanent" if row["permanent"] else f"transient after {row['retries']} retries"
        click.echo(
            f"#{row['id']} {row['actor']} key={row['idempotency_key']} "
            f"enrollment={row['enrollment_id']} ({kind}): {row['reason']}"
        )


@dead_letters_group.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every open dead letter.")
def dead_letters_replay(ids: tuple[int, ...], replay_all: bool) -> None:
    """Send dead letters again, through the outbox, with their original idempotency keys."""
    from workers.admin import replay_dead_letters

    if not ids and not replay_all:
        raise click.UsageError("name dead letter ids, or pass --all")
    replayed = replay_dead_letters(_settings(), None if replay_all else list(ids))
    click.echo(f"replayed {len(replayed)} dead letter(s)" + (f": {replayed}" if replayed else ""))


@main.group("outbox")
def outbox_group() -> None:
    """Admin: the event outbox."""


@outbox_group.command("status")
def outbox_status() -> None:
    """Counts of pending, dispatched and failed events, and the failed ones."""
    from db import outbox
    from db.engine import make_engine, transaction

    with transaction(make_engine(_settings())) as conn:
        _print_json(outbox.counts(conn))
        for row in outbox.failed(conn):
            click.echo(f"failed #{row.id} {row.kind} key={row.idempotency_key}: {row.last_error}")


@outbox_group.command("retry")
@click.argument("event_id", type=int, required=False)
def outbox_retry(event_id: int | None) -> None:
    """Put a failed (or every failed) event back in line for the relay."""
    from db import outbox
    from db.engine import make_engine, transaction

    with transaction(make_engine(_settings())) as conn:
        ids = outbox.retry_failed(conn, event_id)
    click.echo(f"requeued {len(ids)} event(s)")


@main.command()
@click.option("--learners", default=12, show_default=True, help="Learners in the demo cohort.")
@click.option("--milestones", default=4, show_default=True, help="Milestones in the demo cohort.")
@click.option(
    "--timeout", default=180.0, show_default=True, help="Seconds to wait for the pipeline."
)
def demo(learners: int, milestones: int, timeout: float) -> None:
    """Run the pipeline end to end: migrate, start relay and worker, seed, complete, report."""
    from certflow.demo import run_demo

    sys.exit(run_demo(_settings(), learners=learners, milestones=milestones, timeout=timeout))


from certflow.cli_render import certificate_group, verify  # noqa: E402 - registered after main

main.add_command(certificate_group)
main.add_command(verify)

from certflow.cli_chain import COMMANDS as _CHAIN_COMMANDS  # noqa: E402 - registered after main

for _command in _CHAIN_COMMANDS:
    main.add_command(_command)

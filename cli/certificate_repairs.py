"""Admin repairs of certificates: grant a key, retry or record attestations, add a remark.

Every one is audited (``certflow audit list``); a refusal prints the source's
message and exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import click

from cli import common

REMARK_TYPES = ("feedback", "misconduct", "context", "other")


def finish(result: dict[str, Any], as_json: bool, done: str) -> None:
    """Print the result (JSON, or ``done`` formatted with it); exit 1 on a refusal."""
    refused = result.get("success") is False
    if as_json:
        common.print_json(result)
    elif refused:
        click.echo(f"refused: {result.get('error') or result.get('message')}", err=True)
    else:
        counts = {f"{k}_count": len(v) for k, v in result.items() if isinstance(v, list)}
        click.echo(done.format(**result, **counts))
    if refused:
        sys.exit(1)


@click.command("grant-key")
@click.argument("enrollment_id", type=click.UUID)
@common.json_option
def grant_key(enrollment_id: UUID, as_json: bool) -> None:
    """Admin: grant the key of a completed enrollment not yet issued (the source's
    "Grant Key Directly"), through the same claim the app's button starts."""
    from db import repairs

    settings = common.settings()
    with (
        common.audited(settings, "grant-key", enrollment_id=enrollment_id) as action,
        common.transaction(settings) as conn,
    ):
        action.done(repairs.grant_key(conn, enrollment_id))
    done = "claim {claimId} requested: the chain workers grant the key"
    if action.result.get("alreadyIssued"):
        done = "already issued (key transaction {txHash})"
    finish(action.result, as_json, done)


@click.command("remark")
@click.argument("enrollment_id", type=click.UUID)
@click.option("--type", "remark_type", type=click.Choice(REMARK_TYPES), required=True)
@click.argument("text")
@common.json_option
def remark(enrollment_id: UUID, remark_type: str, text: str, as_json: bool) -> None:
    """Admin: add a remark on an enrollment (bootcamp_completion_remarks)."""
    from db import repairs

    settings = common.settings()
    arguments = {"enrollment_id": enrollment_id, "type": remark_type, "text": text}
    with (
        common.audited(settings, "remark", **arguments) as action,
        common.transaction(settings) as conn,
    ):
        action.done(repairs.add_remark(conn, enrollment_id, remark_type, text))
    finish(action.result, as_json, "remark {id} ({remark_type}) added to {enrollment_id}")


@click.command("save-attestation")
@click.argument("enrollment_id", type=click.UUID)
@click.argument("uid")
@common.json_option
def save_attestation(enrollment_id: UUID, uid: str, as_json: bool) -> None:
    """Admin: record an attestation made elsewhere, once EAS shows it is ours and matches."""
    from chain.rpc import web3_from_settings
    from issuance.operations.attestation_save import save_attestation as save

    settings = common.settings()
    arguments = {"enrollment_id": enrollment_id, "uid": uid}
    with (
        common.audited(settings, "save-attestation", **arguments) as action,
        common.engine(settings) as engine,
    ):
        w3 = web3_from_settings(settings)
        action.done(save(settings, engine, w3, enrollment_id, uid))
    finish(action.result, as_json, "attestation {uid} recorded for " + str(enrollment_id))


@click.command("retry-attestations")
@click.option(
    "--cohort", "cohort_id", required=True, help="The cohort whose attestations to retry."
)
@click.option("--limit", default=10_000, show_default=True, help="Most enrollments to retry.")
@common.json_option
def retry_attestations(cohort_id: str, limit: int, as_json: bool) -> None:
    """Admin: retry every pending attestation of a cohort, in multiAttest batches."""
    from issuance.certificates.issuer import Issuer
    from issuance.operations.attest_retry_bulk import retry_attestations as retry

    settings = common.settings()
    with (
        common.audited(settings, "retry-attestations", cohort_id=cohort_id, limit=limit) as action,
        common.engine(settings, pool_size=4) as engine,
        progress_bar(as_json, "retrying attestations") as advance,
    ):
        action.done(retry(Issuer.build(settings, engine), cohort_id, limit=limit, progress=advance))
    finish(action.result, as_json, _RETRIED)


_RETRIED = (
    "cohort {cohort_id}: {pending} pending, {attested} attested, {no_valid_key_count} without "
    "a valid key, {busy_count} held by a live batch, {failed_count} failed"
)


@contextmanager
def progress_bar(as_json: bool, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for bulk work when it is a terminal; else nothing."""
    if as_json or not (sys.stdout.isatty() and sys.stderr.isatty()):
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=label, unit="enrollment", file=sys.stderr) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        yield advance


COMMANDS: list[click.Command] = [grant_key, remark, retry_attestations, save_attestation]

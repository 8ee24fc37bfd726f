"""Admin repairs of one enrollment or cohort: statuses, claim locks, attestations."""

from __future__ import annotations

from uuid import UUID

import click

from cli import common


@click.command("fix-status")
@click.argument("enrollment_id", type=click.UUID)
def fix_status(enrollment_id: UUID) -> None:
    """Admin: mark one enrollment completed if all its milestones are."""
    from db import completion

    with common.transaction(common.settings()) as conn:
        common.print_json(completion.fix_status(conn, enrollment_id))


@click.command("fix-statuses")
@click.argument("cohort_id")
@click.option("--limit", default=500, show_default=True)
def fix_statuses(cohort_id: str, limit: int) -> None:
    """Admin: fix every eligible enrollment of a cohort in one statement."""
    from db import completion

    with common.transaction(common.settings()) as conn:
        common.print_json(completion.fix_statuses(conn, cohort_id, limit))


@click.command("force-unlock")
@click.argument("enrollment_id", type=click.UUID)
def force_unlock(enrollment_id: UUID) -> None:
    """Admin: clear a stuck certificate claim flag."""
    from db import completion

    with common.transaction(common.settings()) as conn:
        common.print_json(completion.force_clear_claim_lock(conn, enrollment_id))


@click.command("retry-attestation")
@click.argument("enrollment_id", type=click.UUID)
def retry_attestation(enrollment_id: UUID) -> None:
    """Retry a pending attestation: find an existing one, check the key, attest."""
    from issuance.attest_retry import retry_attestation as retry
    from issuance.issuer import Issuer

    settings = common.settings()
    with common.engine(settings, pool_size=2) as engine:
        common.print_json(retry(Issuer.build(settings, engine), enrollment_id))


COMMANDS: list[click.Command] = [fix_status, fix_statuses, force_unlock, retry_attestation]

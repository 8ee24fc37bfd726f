"""Admin repairs of one enrollment or cohort: statuses, claim locks, attestations.

Every repair is audited (``certflow audit list``).
"""

from __future__ import annotations

from uuid import UUID

import click

from cli import common


@click.command("fix-status")
@click.argument("enrollment_id", type=click.UUID)
@common.json_option
def fix_status(enrollment_id: UUID, as_json: bool) -> None:
    """Admin: mark one enrollment completed if all its milestones are."""
    from db import completion

    settings = common.settings()
    with (
        common.audited(settings, "fix-status", enrollment_id=enrollment_id) as action,
        common.transaction(settings) as conn,
    ):
        action.done(completion.fix_status(conn, enrollment_id))
    common.finish(action, as_json)


@click.command("fix-statuses")
@click.argument("cohort_id")
@click.option("--limit", default=500, show_default=True)
@common.json_option
def fix_statuses(cohort_id: str, limit: int, as_json: bool) -> None:
    """Admin: fix every eligible enrollment of a cohort in one statement."""
    from db import completion

    settings = common.settings()
    with (
        common.audited(settings, "fix-statuses", cohort_id=cohort_id, limit=limit) as action,
        common.transaction(settings) as conn,
    ):
        action.done(completion.fix_statuses(conn, cohort_id, limit))
    common.finish(action, as_json)


@click.command("force-unlock")
@click.argument("enrollment_id", type=click.UUID)
@common.json_option
def force_unlock(enrollment_id: UUID, as_json: bool) -> None:
    """Admin: clear a stuck certificate claim flag."""
    from db import completion

    settings = common.settings()
    with (
        common.audited(settings, "force-unlock", enrollment_id=enrollment_id) as action,
        common.transaction(settings) as conn,
    ):
        action.done(completion.force_clear_claim_lock(conn, enrollment_id))
    common.finish(action, as_json)


@click.command("retry-attestation")
@click.argument("enrollment_id", type=click.UUID)
@common.json_option
def retry_attestation(enrollment_id: UUID, as_json: bool) -> None:
    """Retry a pending attestation: find an existing one, check the key, attest."""
    from issuance.certificates.issuer import Issuer
    from issuance.operations.attest_retry import retry_attestation as retry

    settings = common.settings()
    with (
        common.audited(settings, "retry-attestation", enrollment_id=enrollment_id) as action,
        common.engine(settings, pool_size=2) as engine,
    ):
        action.done(retry(Issuer.build(settings, engine), enrollment_id))
    common.finish(action, as_json)


COMMANDS: list[click.Command] = [fix_status, fix_statuses, force_unlock, retry_attestation]

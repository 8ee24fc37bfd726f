"""``certflow achievements``: a learner's dashboard, recording activity, rebuilding streaks."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import click

from cli import common


@click.group("achievements")
def achievements_group() -> None:
    """Achievements and streaks."""


@achievements_group.command("show")
@click.argument("user_profile_id", type=click.UUID)
@click.option("--within-reach", default=3, show_default=True)
def show(user_profile_id: UUID, within_reach: int) -> None:
    """A learner's dashboard: achievements with progress, points, streaks, what is next."""
    from db import achievements

    with common.transaction(common.settings()) as conn:
        common.print_json(achievements.dashboard(conn, user_profile_id, within_reach))


@achievements_group.command("record-activity")
@click.argument("user_profile_id", type=click.UUID)
@click.argument("kind")
@click.option("--at", "occurred_at", type=click.DateTime(), help="when (UTC); default now")
def record_activity(user_profile_id: UUID, kind: str, occurred_at: datetime | None) -> None:
    """What an app's record_activity() call does: one activity and its event."""
    from db import achievements

    when = (occurred_at or datetime.now(UTC)).replace(tzinfo=UTC)
    with common.transaction(common.settings()) as conn:
        activity = achievements.record_activity(conn, user_profile_id, kind, when)
    click.echo(str(activity))


@achievements_group.command("rebuild-streaks")
@click.option("--user", "user_profile_id", type=click.UUID, help="one learner; default everyone")
@common.json_option
def rebuild_streaks(user_profile_id: UUID | None, as_json: bool) -> None:
    """Admin: recompute streaks from the activity log (after a fix or an import)."""
    from db import achievements

    settings = common.settings()
    with (
        common.audited(settings, "achievements rebuild-streaks", user=user_profile_id) as action,
        common.transaction(settings) as conn,
    ):
        action.done({"rebuilt": achievements.rebuild_streaks(conn, user_profile_id)})
    common.output(action.result, as_json, lambda r: click.echo(f"rebuilt {r['rebuilt']} streak(s)"))


COMMANDS: list[click.Command] = [achievements_group]

"""Demo and test data: a bootcamp with a cohort, its milestones and enrolled learners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import sqlalchemy as sa


@dataclass
class Cohort:
    bootcamp_id: str
    cohort_id: str
    milestone_ids: list[str]
    learners: dict[UUID, UUID] = field(default_factory=dict)  # user_profile_id -> enrollment_id


def create_cohort(
    conn: sa.Connection,
    *,
    bootcamp_id: str,
    cohort_id: str,
    milestones: int,
    xp_per_milestone: int = 100,
    bootcamp_title: str = "Web3 Foundations Bootcamp",
    cohort_name: str = "Cohort 1",
    lock_address: str | None = None,
) -> Cohort:
    conn.execute(
        sa.text(
            "INSERT INTO bootcamp_programs (id, name, lock_address) VALUES (:id, :name, :lock)"
            " ON CONFLICT (id) DO NOTHING"
        ),
        {"id": bootcamp_id, "name": bootcamp_title, "lock": lock_address},
    )
    conn.execute(
        sa.text("INSERT INTO cohorts (id, bootcamp_program_id, name) VALUES (:id, :b, :name)"),
        {"id": cohort_id, "b": bootcamp_id, "name": cohort_name},
    )
    ids = [f"{cohort_id}-m{i + 1}" for i in range(milestones)]
    if ids:
        conn.execute(
            sa.text(
                "INSERT INTO cohort_milestones (id, cohort_id, name, order_index, total_reward)"
                " VALUES (:id, :cohort, :name, :idx, :xp)"
            ),
            [
                {
                    "id": m,
                    "cohort": cohort_id,
                    "name": f"Milestone {i + 1}",
                    "idx": i,
                    "xp": xp_per_milestone,
                }
                for i, m in enumerate(ids)
            ],
        )
    return Cohort(bootcamp_id, cohort_id, ids)


def enroll_learners(
    conn: sa.Connection,
    cohort: Cohort,
    names: Sequence[str | None],
    wallets: Sequence[str | None] | None = None,
) -> dict[UUID, UUID]:
    """Create a profile and an active enrollment per name (None: a profile with no display
    name, as an app may send); returns user -> enrollment."""
    wallets = wallets or [None] * len(names)
    users = (
        conn.execute(
            sa.text(
                "INSERT INTO user_profiles (display_name, wallet_address)"
                " SELECT * FROM unnest(CAST(:names AS text[]), CAST(:wallets AS text[]))"
                " RETURNING id"
            ),
            {"names": list(names), "wallets": list(wallets)},
        )
        .scalars()
        .all()
    )
    enrollments = conn.execute(
        sa.text(
            "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id, enrollment_status)"
            " SELECT u, :cohort, 'active' FROM unnest(CAST(:users AS uuid[])) AS u"
            " RETURNING user_profile_id, id"
        ),
        {"users": list(users), "cohort": cohort.cohort_id},
    ).all()
    added = {row.user_profile_id: row.id for row in enrollments}
    cohort.learners.update(added)
    return added


def complete_milestone(conn: sa.Connection, user_profile_id: UUID, milestone_id: str) -> None:
    """What an app does when a learner finishes a milestone."""
    conn.execute(
        sa.text(
            "INSERT INTO user_milestone_progress"
            " (user_profile_id, milestone_id, status, progress_percentage, completed_at)"
            " VALUES (:u, :m, 'completed', 100, now())"
            " ON CONFLICT (user_profile_id, milestone_id) DO UPDATE"
            " SET status = 'completed', progress_percentage = 100, completed_at = now()"
        ),
        {"u": user_profile_id, "m": milestone_id},
    )

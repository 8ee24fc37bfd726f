"""Tables and columns of migration 0014.achievements (part of ``db.tables``' metadata).

Imported by ``db.tables`` at its end, so ``db.tables.metadata`` always has them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from db.tables import (
    TZ,
    _timestamps,
    bootcamp_programs,
    cohort_milestones,
    metadata,
    user_activities,
    user_milestone_progress,
    user_profiles,
)

bootcamp_programs.append_column(sa.Column("community_id", sa.Text, nullable=False))
user_profiles.append_column(sa.Column("community_id", sa.Text, nullable=False))
user_profiles.append_column(sa.Column("time_zone", sa.Text, nullable=False))
cohort_milestones.append_column(
    sa.Column("prerequisite_milestone_ids", ARRAY(sa.Text), nullable=False)
)
cohort_milestones.append_column(sa.Column("validation_type", sa.Text, nullable=False))
for _column in (
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("validated_by", UUID),
    sa.Column("validated_at", TZ),
    sa.Column("validation_note", sa.Text),
):
    user_milestone_progress.append_column(_column)
for _column in (
    sa.Column("occurred_at", TZ, nullable=False),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("time_zone", sa.Text, nullable=False),
):
    user_activities.append_column(_column)

communities = sa.Table(
    "communities",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    *_timestamps(updated=False),
)

# 0022.tenancy: which community a database login acts for.
community_logins = sa.Table(
    "community_logins",
    metadata,
    sa.Column("login", sa.Text, primary_key=True),
    sa.Column("community_id", sa.Text, sa.ForeignKey("communities.id"), nullable=False),
    sa.Column("granted_at", TZ, nullable=False),
    sa.Column("granted_by", sa.Text, nullable=False),
)

cohort_instructors = sa.Table(
    "cohort_instructors",
    metadata,
    sa.Column("cohort_id", sa.Text, primary_key=True),
    sa.Column("user_profile_id", UUID, primary_key=True),
    *_timestamps(updated=False),
)

user_streaks = sa.Table(
    "user_streaks",
    metadata,
    sa.Column("user_profile_id", UUID, primary_key=True),
    sa.Column("streak_kind", sa.Text, primary_key=True),
    sa.Column("current_streak", sa.Integer, nullable=False),
    sa.Column("longest_streak", sa.Integer, nullable=False),
    sa.Column("last_active_date", sa.Date),
    sa.Column("active_days", sa.Integer, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

achievement_criteria_types = sa.Table(
    "achievement_criteria_types",
    metadata,
    sa.Column("criteria_type", sa.Text, primary_key=True),
    sa.Column("event_kinds", ARRAY(sa.Text), nullable=False),
    sa.Column("parameters", JSONB, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)

achievements = sa.Table(
    "achievements",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("code", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("achievement_type", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("tier", sa.Text, nullable=False),
    sa.Column("points", sa.Integer, nullable=False),
    sa.Column("icon", sa.Text),
    sa.Column("color", sa.Text),
    sa.Column("is_public", sa.Boolean, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("criteria", JSONB, nullable=False),
    sa.Column("criteria_type", sa.Text, nullable=False),
    sa.Column("community_id", sa.Text),
    *_timestamps(),
)

user_achievements = sa.Table(
    "user_achievements",
    metadata,
    sa.Column("user_profile_id", UUID, primary_key=True),
    sa.Column("achievement_id", UUID, primary_key=True),
    sa.Column("progress_current", sa.Integer, nullable=False),
    sa.Column("progress_target", sa.Integer, nullable=False),
    sa.Column("unlocked_at", TZ),
    sa.Column("is_public", sa.Boolean, nullable=False),
    *_timestamps(),
)

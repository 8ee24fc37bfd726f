"""Table definitions: the columns certflow's code relies on.

The migrations in sql/ are the truth; tests/integration/test_schema.py checks
these definitions against a database built from them, so drift is caught.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

bootcamp_programs = sa.Table(
    "bootcamp_programs",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lock_address", sa.Text),
)

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("bootcamp_program_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)

cohort_milestones = sa.Table(
    "cohort_milestones",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("cohort_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("total_reward", sa.Integer, nullable=False),
)

user_profiles = sa.Table(
    "user_profiles",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("display_name", sa.Text),
    sa.Column("wallet_address", sa.Text),
)

bootcamp_enrollments = sa.Table(
    "bootcamp_enrollments",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("cohort_id", sa.Text, nullable=False),
    sa.Column("enrollment_status", sa.Text, nullable=False),
    sa.Column("certificate_issued", sa.Boolean, nullable=False),
    sa.Column("milestones_completed_at", sa.DateTime(timezone=True)),
    sa.Column("completion_date", sa.DateTime(timezone=True)),
    sa.Column("certificate_issued_at", sa.DateTime(timezone=True)),
    sa.Column("certificate_tx_hash", sa.Text),
    sa.Column("certificate_attestation_uid", sa.Text),
    sa.Column("certificate_last_error", sa.Text),
    sa.Column("certificate_last_error_at", sa.DateTime(timezone=True)),
    sa.Column("certificate_retry_count", sa.Integer),
    sa.Column("certificate_claim_in_progress", sa.Boolean),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

user_milestone_progress = sa.Table(
    "user_milestone_progress",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("milestone_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
)

user_activities = sa.Table(
    "user_activities",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("activity_type", sa.Text, nullable=False),
    sa.Column("activity_data", JSONB, nullable=False),
)

event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("dispatched_at", sa.DateTime(timezone=True)),
    sa.Column("failed_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
)

processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("actor", sa.Text, primary_key=True),
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("message_id", sa.Text),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("queue", sa.Text, nullable=False),
    sa.Column("message_id", sa.Text, nullable=False),
    sa.Column("idempotency_key", sa.Text),
    sa.Column("enrollment_id", UUID),
    sa.Column("outbox_id", sa.BigInteger),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("error_type", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("permanent", sa.Boolean, nullable=False),
    sa.Column("retries", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("replayed_at", sa.DateTime(timezone=True)),
)

"""Table definitions: every table and column the migrations in sql/ create.

The migrations are the truth; tests/integration/test_schema.py checks these
definitions against a database built from them, both ways (a table or column
missing here or there fails), with nullability and type affinity, so drift is
caught. yoyo's own bookkeeping tables are not listed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA, JSONB, UUID

metadata = sa.MetaData()

TZ = sa.DateTime(timezone=True)


def _timestamps(*, updated: bool = True) -> list[sa.Column[object]]:
    """created_at (and updated_at), NOT NULL DEFAULT now() in every migration."""
    columns: list[sa.Column[object]] = [sa.Column("created_at", TZ, nullable=False)]
    if updated:
        columns.append(sa.Column("updated_at", TZ, nullable=False))
    return columns


# 0001.schema ---------------------------------------------------------------

bootcamp_programs = sa.Table(
    "bootcamp_programs",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("duration_weeks", sa.Integer),
    sa.Column("max_reward_dgt", sa.Integer, nullable=False),
    sa.Column("lock_address", sa.Text),
    *_timestamps(),
)

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("bootcamp_program_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    sa.Column("max_participants", sa.Integer),
    sa.Column("status", sa.Text, nullable=False),
    *_timestamps(),
)

cohort_milestones = sa.Table(
    "cohort_milestones",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("cohort_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("order_index", sa.Integer, nullable=False),
    sa.Column("total_reward", sa.Integer, nullable=False),
    sa.Column("start_date", sa.Date),
    sa.Column("end_date", sa.Date),
    *_timestamps(),
)

user_profiles = sa.Table(
    "user_profiles",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("privy_user_id", sa.Text, unique=True),
    sa.Column("username", sa.Text),
    sa.Column("display_name", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("wallet_address", sa.Text),
    *_timestamps(),
)

bootcamp_enrollments = sa.Table(
    "bootcamp_enrollments",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("cohort_id", sa.Text, nullable=False),
    sa.Column("enrollment_status", sa.Text, nullable=False),
    sa.Column("progress", JSONB, nullable=False),
    sa.Column("certificate_issued", sa.Boolean, nullable=False),
    # the source app's migration 079
    sa.Column("milestones_completed_at", TZ),
    sa.Column("completion_date", TZ),
    sa.Column("certificate_issued_at", TZ),
    sa.Column("certificate_tx_hash", sa.Text),
    sa.Column("certificate_attestation_uid", sa.Text),
    sa.Column("certificate_last_error", sa.Text),
    sa.Column("certificate_last_error_at", TZ),
    sa.Column("certificate_retry_count", sa.Integer),
    sa.Column("certificate_claim_in_progress", sa.Boolean),
    *_timestamps(),
    # 0006.certificates
    sa.Column("certificate_claim_started_at", TZ),
    sa.Column("certificate_claim_id", UUID),
    sa.Column("certificate_grant_batch", sa.Text),
    sa.Column("certificate_grant_batch_at", TZ),
    sa.Column("certificate_attest_batch", sa.Text),
    sa.Column("certificate_attest_batch_at", TZ),
    sa.Column("certificate_attestation_failed_at", TZ),
    # 0013.chain_faults: the wallet the key went to, frozen at grant time.
    sa.Column("certificate_wallet_address", sa.Text),
)

user_milestone_progress = sa.Table(
    "user_milestone_progress",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("milestone_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("progress_percentage", sa.Integer, nullable=False),
    sa.Column("started_at", TZ),
    sa.Column("completed_at", TZ),
    *_timestamps(),
)

user_activities = sa.Table(
    "user_activities",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_profile_id", UUID, nullable=False),
    sa.Column("activity_type", sa.Text, nullable=False),
    sa.Column("activity_data", JSONB, nullable=False),
    sa.Column("points_earned", sa.Integer, nullable=False),
    *_timestamps(updated=False),
)

bootcamp_completion_remarks = sa.Table(
    "bootcamp_completion_remarks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("enrollment_id", UUID),
    sa.Column("remark_type", sa.Text),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("created_by", UUID),
    # The source's remarks table: timestamps with a default but nullable.
    sa.Column("created_at", TZ),
    sa.Column("updated_at", TZ),
)

# 0002.outbox ---------------------------------------------------------------

event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("dispatched_at", TZ),
    sa.Column("failed_at", TZ),
    sa.Column("last_error", sa.Text),
)

outbox_relay_state = sa.Table(
    "outbox_relay_state",
    metadata,
    sa.Column("singleton", sa.Boolean, primary_key=True),
    sa.Column("waiting", sa.Boolean, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

processed_messages = sa.Table(
    "processed_messages",
    metadata,
    sa.Column("actor", sa.Text, primary_key=True),
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("message_id", sa.Text),
    sa.Column("processed_at", TZ, nullable=False),
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
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("replayed_at", TZ),
    # 0018.dead_letter_console
    sa.Column("purged_at", TZ),
    sa.Column("purged_by", sa.Text),
)

# 0005.chain ----------------------------------------------------------------

chain_nonces = sa.Table(
    "chain_nonces",
    metadata,
    sa.Column("chain_id", sa.BigInteger, primary_key=True),
    sa.Column("signer", sa.Text, primary_key=True),
    sa.Column("next_nonce", sa.BigInteger, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

chain_transactions = sa.Table(
    "chain_transactions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("intent", sa.Text, nullable=False),
    sa.Column("intent_key", sa.Text, nullable=False, unique=True),
    sa.Column("signer", sa.Text, nullable=False),
    sa.Column("chain_id", sa.BigInteger, nullable=False),
    sa.Column("nonce", sa.BigInteger, nullable=False),
    # Nullable since 0013.chain_faults: contract creations have no recipient.
    sa.Column("to_address", sa.Text),
    sa.Column("raw_tx", BYTEA, nullable=False),
    sa.Column("tx_hash", sa.Text, nullable=False, unique=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("receipt_block", sa.BigInteger),
    sa.Column("gas_used", sa.BigInteger),
    sa.Column("error", sa.Text),
    *_timestamps(),
)

# 0013.chain_faults ---------------------------------------------------------

chain_tx_attempts = sa.Table(
    "chain_tx_attempts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("chain_transaction_id", sa.BigInteger, nullable=False),
    sa.Column("tx_hash", sa.Text, nullable=False, unique=True),
    sa.Column("raw_tx", BYTEA, nullable=False),
    sa.Column("max_fee_per_gas", sa.Numeric(78, 0), nullable=False),
    sa.Column("max_priority_fee_per_gas", sa.Numeric(78, 0), nullable=False),
    *_timestamps(updated=False),
)

# 0006.certificates ---------------------------------------------------------

certificate_flags = sa.Table(
    "certificate_flags",
    metadata,
    sa.Column("singleton", sa.Boolean, primary_key=True),
    sa.Column("certificates_enabled", sa.Boolean, nullable=False),
    sa.Column("auto_claim", sa.Boolean, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

# 0010.certificates ---------------------------------------------------------

certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("enrollment_id", UUID, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("object_key", sa.Text, nullable=False, unique=True),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("attestation_uid", sa.Text),
    sa.Column("rendered_at", TZ, nullable=False),
    sa.Column("superseded_at", TZ),
)

# 0011.verification_site ----------------------------------------------------

certificate_revocations = sa.Table(
    "certificate_revocations",
    metadata,
    sa.Column("enrollment_id", UUID, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("tx_hash", sa.Text),
    sa.Column("revoked_at", TZ, nullable=False),
)


# 0014.achievements: its tables, and the columns it adds to the tables above,
# are declared in their own module (this one would outgrow the size limit).
from db import tables_achievements as _tables_achievements  # noqa: E402, F401
from db import tables_admin as _tables_admin  # noqa: E402, F401
from db import tables_credentials as _tables_credentials  # noqa: E402, F401
from db import tables_offchain as _tables_offchain  # noqa: E402, F401

"""Tables and columns of migration 0017.offchain_attestations (part of ``db.tables``' metadata).

Imported by ``db.tables`` at its end, so ``db.tables.metadata`` always has them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.tables import TZ, bootcamp_programs, metadata

bootcamp_programs.append_column(sa.Column("attestation_mode", sa.Text, nullable=False))

offchain_attestations = sa.Table(
    "offchain_attestations",
    metadata,
    sa.Column("enrollment_id", UUID, primary_key=True),
    sa.Column("uid", sa.Text, nullable=False, unique=True),
    sa.Column("attester", sa.Text, nullable=False),
    sa.Column("package", JSONB, nullable=False),
    sa.Column("signed_at", TZ, nullable=False),
    sa.Column("anchor_tx_hash", sa.Text),
    sa.Column("anchor_block", sa.BigInteger),
    sa.Column("anchored_at", TZ),
    sa.Column("revoke_tx_hash", sa.Text),
    sa.Column("revoked_at", TZ),
    sa.Column("merkle_root", sa.Text),
    sa.Column("merkle_proof", JSONB),
)

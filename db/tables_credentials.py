"""Tables of migration 0026.credentials (part of ``db.tables``' metadata).

Imported by ``db.tables`` at its end, so ``db.tables.metadata`` always has them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from db.tables import TZ, metadata

credential_keys = sa.Table(
    "credential_keys",
    metadata,
    sa.Column("public_key_multibase", sa.Text, primary_key=True),
    sa.Column("first_used_at", TZ, nullable=False),
)

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("certificate_id", UUID, primary_key=True),
    sa.Column("enrollment_id", UUID, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("public_key_multibase", sa.Text, nullable=False),
    sa.Column("status_list", sa.Integer, nullable=False),
    sa.Column("status_index", sa.Integer, nullable=False),
    sa.Column("signed_at", TZ, nullable=False),
)

credential_status_lists = sa.Table(
    "credential_status_lists",
    metadata,
    sa.Column("list_id", sa.Integer, primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("signed_at", TZ, nullable=False),
)

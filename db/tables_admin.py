"""Tables of the admin surface (part of ``db.tables``' metadata): the audit trail.

Imported by ``db.tables`` at its end, so ``db.tables.metadata`` always has them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from db.tables import TZ, metadata

# 0016.admin_audit
admin_audit = sa.Table(
    "admin_audit",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("via", sa.Text, nullable=False),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("arguments", JSONB, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("result", JSONB),
    sa.Column("db_user", sa.Text, nullable=False),
)

"""Tables of the admin surface (part of ``db.tables``' metadata): the audit trail, sign-in
sessions and dry-run selections.

Imported by ``db.tables`` at its end, so ``db.tables.metadata`` always has them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INT8MULTIRANGE, JSONB

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

# 0024.admin_hardening: server-side sign-in sessions (the cookie's token, hashed).
admin_sessions = sa.Table(
    "admin_sessions",
    metadata,
    sa.Column("token_sha256", sa.LargeBinary, primary_key=True),
    sa.Column("admin", sa.Text, nullable=False),
    sa.Column("csrf", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("expires_at", TZ, nullable=False),
)

# 0024.admin_hardening: a dry run's frozen letters, as ranges of ids.
dead_letter_selections = sa.Table(
    "dead_letter_selections",
    metadata,
    sa.Column("audit_id", sa.BigInteger, sa.ForeignKey("admin_audit.id"), primary_key=True),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("ids", INT8MULTIRANGE, nullable=False),
    sa.Column("letters", sa.Integer, nullable=False),
)

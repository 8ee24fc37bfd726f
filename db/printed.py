"""``certificate_printed_fields``: what each certificate version printed, as rendered.

Written once, with the version, by the render worker; read by the verification
site and ``certflow verify``, which vouch for these values and compare them
with the learner's profile today. A version rendered before the table existed
has no row (its printed facts were not recorded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class PrintedRow:
    """The facts one certificate version printed (and the wallet it attested)."""

    certificate_id: UUID
    enrollment_id: UUID
    learner_name: str
    bootcamp_title: str
    cohort_name: str
    completion_date: dt.date
    total_xp: int
    wallet_address: str | None
    lock_address: str
    key_tx_hash: str
    attestation_uid: str | None
    anchor_tx_hash: str | None
    chain_id: int
    #: What it was printed with (issue 22): None is certflow's own look.
    template_id: UUID | None = None
    template_version: int | None = None
    locale: str = "en"
    score: Decimal | None = None
    score_out_of: Decimal | None = None


def record(conn: sa.Connection, row: PrintedRow) -> None:
    """Store what a version printed, in the caller's transaction (a retry is a no-op)."""
    conn.execute(query("printed_insert"), asdict(row))


def by_certificate(conn: sa.Connection, certificate_id: UUID) -> PrintedRow | None:
    found = conn.execute(query("printed_by_certificate"), {"certificate_id": certificate_id})
    row = found.first()
    if row is None:
        return None
    return PrintedRow(**{**row._mapping, "total_xp": int(row.total_xp)})

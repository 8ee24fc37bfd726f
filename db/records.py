"""The certificate record: one typed row of everything a certificate says.

Enrollment, cohort, bootcamp, learner and chain facts, read once. The
attestation, the PDF and verification all build from this record, so the
enrollment→certificate mapping exists in one place.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from certflow.names import without_controls
from db.queries import query


@dataclass(frozen=True)
class CertificateRecord:
    enrollment_id: UUID
    user_profile_id: UUID
    cohort_id: str
    cohort_name: str
    bootcamp_id: str
    bootcamp_title: str
    lock_address: str | None
    display_name: str | None
    wallet_address: str | None
    completed_at: dt.datetime | None
    total_xp: int
    certificate_tx_hash: str | None
    certificate_attestation_uid: str | None
    username: str | None = None
    #: 'onchain' (an EAS attestation) or 'offchain' (signed, its UID anchored by multiTimestamp).
    attestation_mode: str = "onchain"
    #: Off-chain mode: the multiTimestamp transaction that anchored the UID.
    anchor_tx_hash: str | None = None

    @property
    def learner_name(self) -> str:
        """The name printed: the display name, else the username, else the wallet in its
        short form (0x1234…abcd); empty when the learner has none of them. Without bidi
        controls or control characters (certflow.names), so the page and the PDF agree."""
        for name in (self.display_name, self.username):
            cleaned = without_controls(name or "")
            if cleaned:
                return cleaned
        wallet = (self.wallet_address or "").strip()
        return f"{wallet[:6]}\u2026{wallet[-4:]}" if len(wallet) > 12 else wallet

    @property
    def completion_day(self) -> dt.date | None:
        """The completion date as printed (UTC)."""
        return None if self.completed_at is None else self.completed_at.astimezone(dt.UTC).date()

    @property
    def completion_unix(self) -> int:
        """The completion time as attested: unix seconds, truncated (never rounded up)."""
        return 0 if self.completed_at is None else math.floor(self.completed_at.timestamp())


def records(conn: sa.Connection, ids: list[UUID]) -> list[CertificateRecord]:
    """The records of these enrollments (missing ids are left out), ordered by id."""
    if not ids:
        return []
    rows = conn.execute(query("certificate_records"), {"ids": ids}).all()
    return [CertificateRecord(**{**row._mapping, "total_xp": int(row.total_xp)}) for row in rows]


def record(conn: sa.Connection, enrollment_id: UUID) -> CertificateRecord | None:
    found = records(conn, [enrollment_id])
    return found[0] if found else None

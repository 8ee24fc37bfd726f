"""Certificate revocations: one row per revoked enrollment, with its reason.

The V2 attestation schema is not revocable, so a revocation is this row (which
the verify page and ``certflow verify`` read), the credential's status bit and,
when no other certificate of the learner rests on it, the key expired on the lock
(``issuance/certificates/revocation.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from db import outbox
from db.queries import query


@dataclass(frozen=True)
class Revocation:
    enrollment_id: UUID
    reason: str
    tx_hash: str | None
    revoked_at: dt.datetime


def by_enrollment(conn: sa.Connection, enrollment_id: UUID) -> Revocation | None:
    row = conn.execute(query("revocation_by_enrollment"), {"enrollment_id": enrollment_id}).first()
    return None if row is None else Revocation(**row._mapping)


def record(
    conn: sa.Connection, enrollment_id: UUID, reason: str, tx_hash: str | None
) -> Revocation:
    """Insert the revocation unless one exists; the stored row either way."""
    conn.execute(
        query("revocation_insert"),
        {"enrollment_id": enrollment_id, "reason": reason, "tx_hash": tx_hash},
    )
    found = by_enrollment(conn, enrollment_id)
    assert found is not None  # inserted now or earlier, in a committed or this transaction
    # certificate.revoked for the apps' webhooks; a second revoke emits nothing (same key).
    outbox.emit(
        conn,
        "certificate.revoked",
        {"enrollment_id": str(enrollment_id)},
        f"certificate.revoked:{enrollment_id}",
    )
    return found


def key_still_needed(
    conn: sa.Connection, enrollment_id: UUID, lock_address: str, wallet_address: str
) -> list[UUID]:
    """The learner's other unrevoked enrollments whose certificates rest on the same key.

    Takes the key's lock until the caller's transaction ends: record the revocation in
    that transaction when the key stays, so a concurrent revocation sees it.
    """
    params = {"lock_address": lock_address, "wallet_address": wallet_address}
    conn.execute(query("revocation_key_lock"), params)
    found = conn.execute(
        query("revocation_key_still_needed"),
        {
            "enrollment_id": enrollment_id,
            "lock_address": lock_address,
            "wallet_address": wallet_address,
        },
    )
    return list(found.scalars())

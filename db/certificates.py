"""Certificate state transitions after the claim: grant batches, keys, attestations.

Each function runs in the caller's transaction. Events are written by the
same statements that change the state (``record_*`` queries call emit_event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class Member:
    """An enrollment in a grant batch."""

    id: UUID
    wallet: str


@dataclass(frozen=True)
class AttestMember:
    """An enrollment in an attestation batch, with what its attestation says."""

    id: UUID
    wallet: str
    cohort_id: str
    cohort_name: str
    bootcamp_id: str
    bootcamp_title: str
    completion_date: int
    total_xp: int
    tx_hash: str


def target(conn: sa.Connection, enrollment_id: UUID, stale_seconds: int) -> sa.Row[Any] | None:
    return conn.execute(
        query("certificate_target"),
        {"enrollment_id": enrollment_id, "stale_seconds": stale_seconds},
    ).first()


# ------------------------------------------------------------------- grants


def assign_grant_batch(
    conn: sa.Connection, enrollment_id: UUID, lock_address: str, batch: str, limit: int
) -> list[Member] | None:
    """Put up to ``limit`` waiting claims of the lock, ours first, in ``batch``.

    None when our own claim is being batched by someone else right now. One
    enrollment per wallet: the lock allows one key per address, and a second
    grant to it would revert the whole batch.
    """
    rows = conn.execute(
        query("grant_batch_candidates"),
        {"lock_address": lock_address, "enrollment_id": enrollment_id, "limit": limit},
    ).all()
    if not rows or rows[0].id != enrollment_id:
        return None
    members: list[Member] = []
    wallets: set[str] = set()
    for row in rows:
        if row.wallet_address.lower() not in wallets:
            wallets.add(row.wallet_address.lower())
            members.append(Member(row.id, row.wallet_address))
    conn.execute(query("grant_batch_assign"), {"batch": batch, "ids": [m.id for m in members]})
    return members


def grant_batch_members(conn: sa.Connection, batch: str) -> list[Member]:
    """The batch's enrollments that are not recorded as issued yet."""
    rows = conn.execute(query("grant_batch_members"), {"batch": batch}).all()
    return [Member(row.id, row.wallet_address) for row in rows]


def release_grant_batch(conn: sa.Connection, ids: list[UUID]) -> None:
    if ids:
        conn.execute(query("grant_batch_release"), {"ids": ids})


def record_keys(conn: sa.Connection, granted: dict[UUID, str]) -> int:
    """Mark enrollments issued with their key's transaction hash; emits key_granted each."""
    if not granted:
        return 0
    rows = conn.execute(
        query("record_key_granted"),
        {"ids": list(granted), "tx_hashes": list(granted.values())},
    ).all()
    return len(rows)


def record_claim_error(conn: sa.Connection, ids: list[UUID], error: str) -> None:
    """The claim failed for good: error recorded, lock released for a later retry."""
    if ids:
        conn.execute(query("record_claim_error"), {"ids": ids, "error": error})


def record_claim_warning(conn: sa.Connection, ids: list[UUID], error: str) -> None:
    """A message for the learner while the claim stays in progress."""
    if ids:
        conn.execute(query("record_claim_warning"), {"ids": ids, "error": error})


# ------------------------------------------------------------- attestations


def assign_attest_batch(
    conn: sa.Connection, enrollment_id: UUID, batch: str, limit: int
) -> list[UUID] | None:
    """Put up to ``limit`` keys waiting for an attestation, ours first, in ``batch``."""
    ids = [
        row.id
        for row in conn.execute(
            query("attest_batch_candidates"), {"enrollment_id": enrollment_id, "limit": limit}
        )
    ]
    if not ids or ids[0] != enrollment_id:
        return None
    conn.execute(query("attest_batch_assign"), {"batch": batch, "ids": ids})
    return ids


def attest_batch_ids(conn: sa.Connection, batch: str) -> list[UUID]:
    return [row.id for row in conn.execute(query("attest_batch_member_ids"), {"batch": batch})]


def attest_members(conn: sa.Connection, ids: list[UUID]) -> list[AttestMember]:
    rows = conn.execute(query("attest_batch_members"), {"ids": ids}).all()
    return [
        AttestMember(
            id=row.id,
            wallet=row.wallet_address,
            cohort_id=row.cohort_id,
            cohort_name=row.cohort_name,
            bootcamp_id=row.bootcamp_id,
            bootcamp_title=row.bootcamp_title,
            completion_date=int(row.completion_date or 0),
            total_xp=int(row.total_xp),
            tx_hash=row.certificate_tx_hash,
        )
        for row in rows
    ]


def record_attestations(conn: sa.Connection, uids: dict[UUID, str]) -> int:
    """Store attestation uids (and clear errors); emits certificate.attested each."""
    if not uids:
        return 0
    rows = conn.execute(
        query("record_attested"), {"ids": list(uids), "uids": list(uids.values())}
    ).all()
    return len(rows)


def record_attestation_failed(
    conn: sa.Connection, ids: list[UUID], message: str, reason: str, batch: str
) -> None:
    """The key stays issued; the learner sees ``message``; emits attestation_failed each."""
    if ids:
        conn.execute(
            query("record_attestation_failed"),
            {"ids": ids, "error": message, "reason": reason, "batch": batch},
        ).all()


def take_for_retry(conn: sa.Connection, enrollment_id: UUID, batch: str) -> bool:
    row = conn.execute(
        query("attest_retry_take"), {"enrollment_id": enrollment_id, "batch": batch}
    ).first()
    return row is not None


def count_retry(conn: sa.Connection, enrollment_id: UUID) -> None:
    conn.execute(query("attest_retry_count"), {"enrollment_id": enrollment_id})


# -------------------------------------------------------------- reconciler


def stuck_claims(conn: sa.Connection, older_than: int, limit: int = 1000) -> list[UUID]:
    rows = conn.execute(query("reconcile_stuck_grants"), {"older_than": older_than, "limit": limit})
    return [row.id for row in rows]


def stuck_attestations(conn: sa.Connection, older_than: int, limit: int = 1000) -> list[UUID]:
    rows = conn.execute(
        query("reconcile_stuck_attestations"), {"older_than": older_than, "limit": limit}
    )
    return [row.id for row in rows]

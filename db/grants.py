"""Key grants: claims batched per lock, keys recorded with their events.

Each function runs in the caller's transaction. Events are written by the
same statements that change the state (``record_*`` queries call emit_event).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class Member:
    """An enrollment in a grant batch."""

    id: UUID
    wallet: str


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


def record_keys(conn: sa.Connection, granted: dict[UUID, tuple[str, str]]) -> int:
    """Mark enrollments issued with (their key's transaction hash, the wallet that holds it);
    emits key_granted each."""
    if not granted:
        return 0
    rows = conn.execute(
        query("record_key_granted"),
        {
            "ids": list(granted),
            "tx_hashes": [tx_hash for tx_hash, _ in granted.values()],
            "wallets": [wallet for _, wallet in granted.values()],
        },
    ).all()
    return len(rows)


def record_key_moved(conn: sa.Connection, old_hash: str, new_hash: str) -> None:
    """Enrollments whose grant was mined again under another hash point at the new one."""
    conn.execute(query("record_key_moved"), {"old_hash": old_hash, "new_hash": new_hash})


def record_claim_error(conn: sa.Connection, ids: list[UUID], error: str) -> None:
    """The claim failed for good: error recorded, lock released for a later retry."""
    if ids:
        conn.execute(query("record_claim_error"), {"ids": ids, "error": error})


def record_claim_warning(conn: sa.Connection, ids: list[UUID], error: str) -> None:
    """A message for the learner while the claim stays in progress."""
    if ids:
        conn.execute(query("record_claim_warning"), {"ids": ids, "error": error})


def stuck_claims(conn: sa.Connection, older_than: int, limit: int = 1000) -> list[UUID]:
    rows = conn.execute(query("reconcile_stuck_grants"), {"older_than": older_than, "limit": limit})
    return [row.id for row in rows]

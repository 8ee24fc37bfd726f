"""Off-chain attestations: signed packages stored before their UIDs are anchored.

Each function runs in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class StoredOffchain:
    enrollment_id: UUID
    uid: str
    attester: str
    #: The EAS SDK's ``{sig, signer}`` package, exactly as signed.
    package: dict[str, Any]
    signed_at: dt.datetime
    anchor_tx_hash: str | None
    anchor_block: int | None
    anchored_at: dt.datetime | None
    revoke_tx_hash: str | None
    revoked_at: dt.datetime | None
    #: Anchored in a batch's Merkle root: the root and this UID's proof path to it.
    merkle_root: str | None = None
    merkle_proof: list[str] | None = None


@dataclass(frozen=True)
class Anchor:
    """Where a UID was anchored: the multiTimestamp's hash, its block and the block's time."""

    uid: str
    tx_hash: str
    block: int
    timestamp: int
    #: When the batch was anchored as one Merkle root: the root and this UID's proof.
    merkle_root: str | None = None
    merkle_proof: list[str] | None = None


def store(conn: sa.Connection, signed: Sequence[tuple[UUID, str, str, dict[str, Any]]]) -> None:
    """Store (enrollment, uid, attester, package) rows; an enrollment's first one stays."""
    if signed:
        conn.execute(
            query("offchain_insert"),
            {
                "ids": [s[0] for s in signed],
                "uids": [s[1] for s in signed],
                "attesters": [s[2] for s in signed],
                "packages": [json.dumps(s[3]) for s in signed],
            },
        )


def by_enrollments(conn: sa.Connection, ids: Sequence[UUID]) -> dict[UUID, StoredOffchain]:
    if not ids:
        return {}
    rows = conn.execute(query("offchain_by_enrollments"), {"ids": list(ids)})
    return {row.enrollment_id: StoredOffchain(**row._mapping) for row in rows}


def by_uid(conn: sa.Connection, uid: str) -> StoredOffchain | None:
    row = conn.execute(query("offchain_by_uid"), {"uid": uid}).first()
    return None if row is None else StoredOffchain(**row._mapping)


def record_anchors(
    conn: sa.Connection, anchors: Sequence[Anchor], *, reorged: bool = False
) -> dict[UUID, str]:
    """Record where each UID was anchored; {enrollment: uid} of the rows this changed.

    ``reorged``: the anchoring transaction was mined again, so the block and time move.
    """
    if not anchors:
        return {}
    rows = conn.execute(
        query("offchain_record_reanchored" if reorged else "offchain_record_anchors"),
        {
            "uids": [a.uid for a in anchors],
            "tx_hashes": [a.tx_hash for a in anchors],
            "blocks": [a.block for a in anchors],
            "times": [a.timestamp for a in anchors],
            "roots": [a.merkle_root for a in anchors],
            "proofs": [
                None if a.merkle_proof is None else json.dumps(a.merkle_proof) for a in anchors
            ],
        },
    )
    return {row.enrollment_id: row.uid for row in rows}


def record_revoked(conn: sa.Connection, enrollment_id: UUID, tx_hash: str, at: int) -> None:
    conn.execute(
        query("offchain_record_revoked"),
        {"enrollment_id": enrollment_id, "tx_hash": tx_hash, "at": at},
    )

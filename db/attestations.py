"""Attestations: keys batched for multiAttest, UIDs recorded with their events.

Each function runs in the caller's transaction.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from db.queries import query


def assign_attest_batch(
    conn: sa.Connection, enrollment_id: UUID, batch: str, limit: int, mode: str = "onchain"
) -> list[UUID] | None:
    """Put up to ``limit`` keys of ``mode`` bootcamps waiting for an attestation, ours
    first, in ``batch``."""
    params = {"enrollment_id": enrollment_id, "limit": limit, "mode": mode}
    ids = [row.id for row in conn.execute(query("attest_batch_candidates"), params)]
    if not ids or ids[0] != enrollment_id:
        return None
    conn.execute(query("attest_batch_assign"), {"batch": batch, "ids": ids})
    return ids


def next_waiting(conn: sa.Connection) -> UUID | None:
    """The oldest key waiting for an attestation outside any batch, if any."""
    row = conn.execute(query("attest_next_waiting")).first()
    return None if row is None else UUID(str(row.id))


def move_to_batch(conn: sa.Connection, ids: list[UUID], batch: str) -> None:
    """Members that did not fit their batch's block go to a follow-up batch."""
    if ids:
        conn.execute(query("attest_batch_assign"), {"batch": batch, "ids": ids})


def attest_batch_ids(conn: sa.Connection, batch: str) -> list[UUID]:
    return [row.id for row in conn.execute(query("attest_batch_member_ids"), {"batch": batch})]


def record_attestations(conn: sa.Connection, uids: dict[UUID, str]) -> int:
    """Store attestation uids (and clear errors); emits certificate.attested each."""
    if not uids:
        return 0
    rows = conn.execute(
        query("record_attested"), {"ids": list(uids), "uids": list(uids.values())}
    ).all()
    return len(rows)


def attested_batch_ids(conn: sa.Connection, batch: str) -> list[UUID]:
    return [row.id for row in conn.execute(query("attest_batch_attested_ids"), {"batch": batch})]


def record_moved_attestations(conn: sa.Connection, uids: dict[UUID, str]) -> int:
    """Replace uids a reorg changed; emits certificate.attested again for each."""
    if not uids:
        return 0
    rows = conn.execute(
        query("record_attestation_moved"), {"ids": list(uids), "uids": list(uids.values())}
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


def take_for_retry(
    conn: sa.Connection, enrollment_id: UUID, batch: str, stale_seconds: int
) -> bool:
    """Take the enrollment for a manual retry; False while a live batch holds it."""
    row = conn.execute(
        query("attest_retry_take"),
        {"enrollment_id": enrollment_id, "batch": batch, "stale_seconds": stale_seconds},
    ).first()
    return row is not None


def count_retry(conn: sa.Connection, enrollment_id: UUID) -> None:
    conn.execute(query("attest_retry_count"), {"enrollment_id": enrollment_id})


def stuck_attestations(conn: sa.Connection, older_than: int, limit: int = 1000) -> list[UUID]:
    rows = conn.execute(
        query("reconcile_stuck_attestations"), {"older_than": older_than, "limit": limit}
    )
    return [row.id for row in rows]


def cohort_retry_candidates(conn: sa.Connection, cohort_id: str, limit: int) -> list[UUID] | None:
    """Keys of the cohort waiting for an attestation; None when there is no such cohort."""
    if not conn.execute(query("cohort_exists"), {"cohort_id": cohort_id}).scalar_one():
        return None
    params = {"cohort_id": cohort_id, "limit": limit}
    return [row.id for row in conn.execute(query("attest_retry_cohort_candidates"), params)]


def take_many_for_retry(
    conn: sa.Connection, ids: list[UUID], batch: str, stale_seconds: int
) -> list[UUID]:
    """Take these enrollments into ``batch`` for a bulk retry; those a live batch holds stay."""
    params = {"ids": ids, "batch": batch, "stale_seconds": stale_seconds}
    return [row.id for row in conn.execute(query("attest_retry_take_many"), params)]

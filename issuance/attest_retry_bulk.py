"""The admin's attestation retry for a whole cohort, in multiAttest batches.

The single retry's steps (``attest_retry``), set-based: 0. take the cohort's
pending keys, never from a live batch, into batches of ``ATTEST_BATCH_MAX``
(one statement per batch); 2. check every key is still valid (JSON-RPC
batches); then each batch goes through the attest pass's
``finish_attest_batch``, which 1. records attestations an earlier run made
but did not record, and 3. attests the rest in one multiAttest, cut to fit
the block. A batch id is the sender's intent key, so a crashed retry is
finished by the reconciler (or the next retry) without attesting twice.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog

from certflow.errors import AttestationFailed
from chain.lock import has_valid_key_many
from db import attestations, records
from db.engine import transaction
from db.records import CertificateRecord
from issuance.attestations import finish_attest_batch
from issuance.issuer import Issuer

log = structlog.get_logger("certflow.issuance")

COHORT_NOT_FOUND = "Cohort not found"
Progress = Callable[[int], None]


def retry_attestations(
    issuer: Issuer, cohort_id: str, *, limit: int = 10_000, progress: Progress | None = None
) -> dict[str, Any]:
    """Retry every pending attestation of the cohort; ``progress(n)`` after each batch."""
    with transaction(issuer.engine) as conn:
        ids = attestations.cohort_retry_candidates(conn, cohort_id, limit)
        members = records.records(conn, ids or [])
    if ids is None:
        return {"success": False, "code": "not_found", "error": COHORT_NOT_FOUND}
    valid, no_key = _with_valid_keys(issuer, members)
    report: dict[str, Any] = {
        "success": True,
        "cohort_id": cohort_id,
        "pending": len(ids),
        "attested": 0,
        "no_valid_key": [str(m.enrollment_id) for m in no_key],
        "busy": [],
        "failed": [],
    }
    if progress and no_key:
        progress(len(no_key))
    size = issuer.settings.attest_batch_max
    for start in range(0, len(valid), size):
        _retry_batch(issuer, cohort_id, valid[start : start + size], report)
        if progress:
            progress(len(valid[start : start + size]))
    log.info("attestations_retried", cohort_id=cohort_id, **_counts(report))
    return report


def _retry_batch(
    issuer: Issuer, cohort_id: str, part: list[CertificateRecord], report: dict[str, Any]
) -> None:
    batch = f"attest_retry:{cohort_id}:{uuid.uuid4()}"
    wanted = [m.enrollment_id for m in part]
    with transaction(issuer.engine) as conn:
        taken = attestations.take_many_for_retry(
            conn, wanted, batch, issuer.settings.batch_stale_seconds
        )
    report["busy"] += [str(i) for i in wanted if i not in set(taken)]
    if not taken:
        return
    # Members that failed are recorded with their reason, and read below.
    with contextlib.suppress(AttestationFailed):
        report["attested"] += finish_attest_batch(issuer, batch)
    with transaction(issuer.engine) as conn:
        left = set(attestations.attest_batch_ids(conn, batch))
        rows = records.records(conn, taken)
    done = {m.enrollment_id for m in rows if m.certificate_attestation_uid}
    report["failed"] += [str(i) for i in taken if i not in left and i not in done]


def _with_valid_keys(
    issuer: Issuer, members: list[CertificateRecord]
) -> tuple[list[CertificateRecord], list[CertificateRecord]]:
    """Members whose key is still valid, and the rest (no wallet or lock, or no key)."""
    by_lock: dict[str, list[CertificateRecord]] = {}
    no_key = [m for m in members if not (m.wallet_address and m.lock_address)]
    for m in members:
        if m.wallet_address and m.lock_address:
            by_lock.setdefault(m.lock_address, []).append(m)
    valid: list[CertificateRecord] = []
    for lock, group in by_lock.items():
        held = has_valid_key_many(issuer.check_w3, lock, [m.wallet_address or "" for m in group])
        for member, ok in zip(group, held, strict=True):
            (valid if ok else no_key).append(member)
    return sorted(valid, key=_id), no_key


def _id(member: CertificateRecord) -> UUID:
    return member.enrollment_id


def _counts(report: dict[str, Any]) -> dict[str, int]:
    skip = ("success", "cohort_id")
    return {k: v if isinstance(v, int) else len(v) for k, v in report.items() if k not in skip}

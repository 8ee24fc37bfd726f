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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any
from uuid import UUID

import structlog

from certflow.errors import AttestationFailed, ChainRejected
from chain.lock import has_valid_key_many
from chain.transactions import block_gas_limit, gas_needed
from db import attestations, records
from db.batches import batch_owner
from db.engine import transaction
from db.records import CertificateRecord
from issuance.certificates.attestations import attest_data, attestation_config, finish_attest_batch
from issuance.certificates.issuer import Issuer
from issuance.certificates.offchain_attest import INTENT as OFFCHAIN_INTENT
from issuance.certificates.offchain_attest import finish_anchor_batch
from issuance.transactions.batching import fitting_count

log = structlog.get_logger("certflow.issuance")

COHORT_NOT_FOUND = "Cohort not found"
#: Batches in flight at once (each a thread with its own connection and transaction).
PARALLEL_BATCHES = 3
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
    chunks = _chunks(issuer, [m for m in valid if m.attestation_mode != "offchain"])
    chunks += _offchain_chunks(issuer, [m for m in valid if m.attestation_mode == "offchain"])
    # Nonces come from Postgres, so batches may be signed and sent side by side: one
    # batch's estimates and encoding overlap another's wait for its receipt.
    with ThreadPoolExecutor(max_workers=PARALLEL_BATCHES) as pool:
        running = [pool.submit(_retry_batch, issuer, cohort_id, chunk) for chunk in chunks]
        for future in as_completed(running):
            for name, value in future.result().items():
                report[name] += value
            if progress:
                progress(value_count(future.result()))
    log.info("attestations_retried", cohort_id=cohort_id, **_counts(report))
    return report


def _chunks(issuer: Issuer, onchain: list[CertificateRecord]) -> list[list[CertificateRecord]]:
    size = _batch_size(issuer, onchain)
    return [onchain[start : start + size] for start in range(0, len(onchain), size)]


def _offchain_chunks(
    issuer: Issuer, offchain: list[CertificateRecord]
) -> list[list[CertificateRecord]]:
    """Off-chain members are signed and anchored in ``multiTimestamp`` batches instead."""
    size = issuer.settings.anchor_batch_max
    return [offchain[start : start + size] for start in range(0, len(offchain), size)]


def _batch_size(issuer: Issuer, valid: list[CertificateRecord]) -> int:
    """ATTEST_BATCH_MAX, cut once to what fits the block's gas (rather than every batch
    sending the excess as a follow-up transaction of its own)."""
    size = min(issuer.settings.attest_batch_max, len(valid))
    if size <= 1:
        return 1
    schema, eas = attestation_config(issuer.settings)

    def estimate(part: Sequence[CertificateRecord]) -> int:
        data = attest_data(schema, part)
        return gas_needed(issuer.w3, issuer.sender.signer.address, eas, data)

    try:
        return fitting_count(valid[:size], estimate, block_gas_limit(issuer.w3))
    except ChainRejected:
        return size  # a member that reverts: the batch pass isolates it


def _retry_batch(issuer: Issuer, cohort_id: str, part: list[CertificateRecord]) -> dict[str, Any]:
    """Take one chunk into a batch and finish it; what came of it, to add to the report."""
    # An off-chain batch id starts with the anchoring intent: the attest pass and the
    # reconciler finish it in that mode.
    offchain = part[0].attestation_mode == "offchain"
    prefix = OFFCHAIN_INTENT if offchain else "attest_retry"
    batch = f"{prefix}:{cohort_id}:{uuid.uuid4()}"
    wanted = [m.enrollment_id for m in part]
    # Owned from the start: a redelivered attest message leaves the batch to us.
    with batch_owner(issuer.engine, batch):
        with transaction(issuer.engine) as conn:
            taken = attestations.take_many_for_retry(
                conn, wanted, batch, issuer.settings.batch_stale_seconds
            )
        outcome: dict[str, Any] = {
            "attested": 0,
            "busy": [str(i) for i in wanted if i not in taken],
        }
        if not taken:
            return outcome
        # Members that failed are recorded with their reason, and read below.
        with contextlib.suppress(AttestationFailed):
            finish = finish_anchor_batch if offchain else finish_attest_batch
            outcome["attested"] = finish(issuer, batch)
    with transaction(issuer.engine) as conn:
        left = set(attestations.attest_batch_ids(conn, batch))
        rows = records.records(conn, taken)
    done = {m.enrollment_id for m in rows if m.certificate_attestation_uid}
    outcome["failed"] = [str(i) for i in taken if i not in left and i not in done]
    return outcome


def value_count(outcome: dict[str, Any]) -> int:
    """How many members one batch's outcome covers."""
    return int(outcome["attested"]) + len(outcome["busy"]) + len(outcome.get("failed", []))


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

"""The attest pass of off-chain bootcamps: sign, store, then anchor the UIDs in one multiTimestamp.

Each member's EAS off-chain attestation (EIP-712 version 2 with salt, the
same schema and fields as on chain) is signed and committed before anything
is sent, and a member keeps the first one stored: a redelivered or taken-over
pass anchors the very UID it gave out. The batch id is the sender's intent
key, so a batch runs at most one multiTimestamp however often it is retried.
Once anchored, the UID is the enrollment's attestation UID and
``certificate.attested`` goes out as in the on-chain mode.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import structlog

from certflow.errors import (
    AttestationFailed,
    CertificateInputError,
    ChainError,
    ConfigError,
    KeyNoLongerValid,
)
from chain.anchoring import (
    eas_version,
    find_timestamps,
    multi_timestamp_calldata,
    parse_timestamped,
    timestamp_calldata,
    unanchored,
)
from chain.lock import has_valid_key
from chain.offchain import OffchainAttestation, sign_offchain
from chain.offchain_json import to_package
from db import attestations, offchain, records
from db.engine import transaction
from db.offchain import Anchor
from db.records import CertificateRecord
from issuance.certificates.issuer import Issuer, fail_attest
from issuance.certificates.merkle_anchor import ROOT_INTENT, anchor_root
from issuance.certificates.records import completion_attestation

log = structlog.get_logger("certflow.issuance")

#: The sender's intent, and the prefix of an off-chain batch id.
INTENT = "multi_timestamp"


def is_offchain_batch(batch: str | None) -> bool:
    """A batch finishes in the mode it began in, even if its bootcamp's mode changed since."""
    return batch is not None and batch.startswith(INTENT + ":")


def finish_anchor_batch(issuer: Issuer, batch: str) -> int:
    """Sign what is unsigned, anchor what is unanchored, record the UIDs; safe to run again."""
    with transaction(issuer.engine) as conn:
        members = records.records(conn, attestations.attest_batch_ids(conn, batch))
    return len(finish_members(issuer, batch, members)) if members else 0


def finish_members(
    issuer: Issuer, batch: str, members: Sequence[CertificateRecord]
) -> dict[UUID, str]:
    """Sign, store and anchor ``members`` under intent ``batch``; {enrollment: uid} recorded."""
    try:
        eas = _eas(issuer)
        signed, fresh = _sign_and_store(issuer, batch, eas, members)
        anchors = _anchor(issuer, batch, eas, list(signed.values()), fresh)
    except ChainError as exc:
        if exc.transient:
            raise  # an outage waits: retried, the batch keeps its members and their UIDs
        fail_attest(issuer, batch, members, exc)
        raise AttestationFailed() from exc
    except ConfigError as exc:
        fail_attest(issuer, batch, members, exc)
        raise AttestationFailed() from exc
    with transaction(issuer.engine) as conn:
        offchain.record_anchors(conn, anchors)
        anchored = offchain.by_enrollments(conn, list(signed))
        uids = {m: s.uid for m, s in anchored.items() if s.anchor_tx_hash is not None}
        recorded = attestations.record_attestations(conn, uids)
    log.info("anchored", batch=batch, attestations=len(uids), recorded=recorded)
    return uids


def _eas(issuer: Issuer) -> str:
    settings = issuer.settings
    settings.require("bootcamp_completion_schema_uid", "eas_contract_address")
    return str(settings.eas_contract_address)


def _sign_and_store(
    issuer: Issuer, batch: str, eas: str, members: Sequence[CertificateRecord]
) -> tuple[dict[UUID, str], set[str]]:
    """{enrollment: uid} of every member with a stored attestation, signing the missing ones,
    and the UIDs this call signed and stored.

    A member whose record cannot be attested (no wallet, no key) fails alone.
    """
    ids = [m.enrollment_id for m in members]
    with transaction(issuer.engine) as conn:
        stored = offchain.by_enrollments(conn, ids)
    fresh: list[tuple[UUID, str, str, dict[str, Any]]] = []
    version = eas_version(issuer.w3, eas) if len(stored) < len(members) else ""
    for member in members:
        if member.enrollment_id in stored:
            continue
        try:
            att = _sign(issuer, eas, version, member)
        except CertificateInputError as exc:
            fail_attest(issuer, f"{batch}:{member.enrollment_id}", [member], exc)
            continue
        fresh.append((member.enrollment_id, att.uid, att.signer, to_package(att)))
    with transaction(issuer.engine) as conn:
        offchain.store(conn, fresh)
        stored = offchain.by_enrollments(conn, ids)
    uids = {enrollment: s.uid for enrollment, s in stored.items()}
    return uids, {uid for uid in uids.values()} & {f[1] for f in fresh}


def _sign(issuer: Issuer, eas: str, version: str, member: CertificateRecord) -> OffchainAttestation:
    completion = completion_attestation(member)
    return sign_offchain(
        issuer.sender.signer,
        eas,
        issuer.settings.chain_id,
        version,
        str(issuer.settings.bootcamp_completion_schema_uid),
        completion.user_address,
        completion.encode(),
        int(time.time()),  # the SDK's default: when it was signed
    )


def _anchor(issuer: Issuer, batch: str, eas: str, uids: list[str], fresh: set[str]) -> list[Anchor]:
    """Anchor the batch's UIDs with one multiTimestamp (found again by its intent key).

    UIDs some earlier transaction anchored are left out of a new one (EAS
    reverts a whole call that stamps a value twice) and found by their logs.
    A UID signed just now has a new random salt, so no chain read is needed
    to know it was never anchored.
    """
    if not uids:
        return []
    tx = issuer.sender.find(batch)
    # A batch's transaction decides how it is anchored; a new batch follows the setting.
    if (tx.intent == ROOT_INTENT) if tx is not None else issuer.settings.anchor_merkle:
        return anchor_root(issuer, batch, eas, uids, tx)
    if tx is not None:
        anchors = _anchors(eas, issuer.sender.complete(tx).receipt)
    else:
        anchors = []
        older = [uid for uid in uids if uid not in fresh]
        todo = [u for u in uids if u in fresh] + unanchored(issuer.w3, eas, older)
        if todo:
            data = timestamp_calldata(todo[0]) if len(todo) == 1 else multi_timestamp_calldata(todo)
            sent = issuer.sender.send(INTENT, batch, eas, data)
            log.info("anchor_sent", batch=batch, tx_hash=sent.tx_hash, uids=len(todo))
            anchors = _anchors(eas, sent.receipt)
    done = {a.uid for a in anchors}
    return anchors + _found_anchors(issuer, eas, [u for u in uids if u not in done])


def record_reanchored(issuer: Issuer, receipt: Any) -> int:
    """After a reorg re-mined an anchoring transaction: the UIDs' new block and time."""
    anchors = _anchors(str(issuer.settings.eas_contract_address), receipt)
    with transaction(issuer.engine) as conn:
        return len(offchain.record_anchors(conn, anchors, reorged=True))


def _anchors(eas: str, receipt: Any) -> list[Anchor]:
    events = parse_timestamped(receipt, eas)
    return [Anchor(e.uid, e.tx_hash, e.block_number, e.timestamp) for e in events]


def _found_anchors(issuer: Issuer, eas: str, uids: list[str]) -> list[Anchor]:
    if not uids:
        return []
    events = find_timestamps(issuer.w3, eas, uids, scan=issuer.scan)
    return [Anchor(e.uid, e.tx_hash, e.block_number, e.timestamp) for e in events]


def retry_offchain(
    issuer: Issuer, lock: str, member: CertificateRecord, intent_key: str
) -> dict[str, Any]:
    """The admin's retry of an off-chain attestation, under the retry's own intent key.

    As on chain, only while the learner still holds the key. A crashed retry
    finds its stored attestation and its transaction again; the attempt is
    counted either way, so the next retry after a failure starts afresh.
    """
    if not has_valid_key(issuer.check_w3, lock, member.wallet_address or ""):
        raise KeyNoLongerValid()
    try:
        uids = finish_members(issuer, intent_key, [member])
    finally:
        with transaction(issuer.engine) as conn:
            attestations.count_retry(conn, member.enrollment_id)
    uid = uids.get(member.enrollment_id)
    if uid is None:
        raise AttestationFailed()  # the member failed alone; its reason is recorded
    log.info("attestation_retried", enrollment_id=str(member.enrollment_id), attestation_uid=uid)
    return {"success": True, "found": False, "uid": uid}

"""The admin's attestation retry (the source's retryAttestation).

1. find an attestation an earlier run made but did not record; 2. check the
key is still valid; 3. attest, once per retry attempt.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from certflow.errors import (
    AttestationBusy,
    AttestationFailed,
    BadEvent,
    ChainError,
    ChainRejected,
    ClaimRefused,
    KeyNoLongerValid,
)
from chain.attestation import find_attestation
from chain.lock import has_valid_key
from db import attestations, claims, records
from db.batches import batch_owner
from db.engine import transaction
from db.records import CertificateRecord
from issuance.certificates.attestations import attest_data, attestation_config, match_attested
from issuance.certificates.issuer import Issuer, fail_attest
from issuance.certificates.offchain_attest import INTENT as OFFCHAIN_INTENT
from issuance.certificates.offchain_attest import retry_offchain

log = structlog.get_logger("certflow.issuance")

#: A retry's intent, by mode (off chain: the batch prefix the attest pass dispatches on).
RETRY_INTENT = {False: "attest_retry", True: f"{OFFCHAIN_INTENT}:retry"}


def retry_attestation(issuer: Issuer, enrollment_id: UUID) -> dict[str, Any]:
    """The source's retryAttestation: 1. find an existing one, 2. key still valid, 3. attest."""
    with transaction(issuer.engine) as conn:
        row = claims.target(conn, enrollment_id, issuer.settings.batch_stale_seconds)
        members = records.records(conn, [enrollment_id])
    if row is None or not members:
        raise BadEvent("Enrollment not found")
    if not row.certificate_issued or not row.certificate_tx_hash:
        raise ClaimRefused("No certificate key found")
    member = members[0]
    attestation_config(issuer.settings)  # ConfigError naming what is missing, first
    if row.certificate_attestation_uid is not None:
        return {"success": True, "found": True, "uid": row.certificate_attestation_uid}

    # 0. Never alongside a live batch: two transactions would attest twice.
    offchain_mode = row.attestation_mode == "offchain"
    intent_key = f"{RETRY_INTENT[offchain_mode]}:{enrollment_id}:{row.certificate_retry_count or 0}"
    # The retry owns its batch from the start: a redelivered attest message that finds
    # the enrollment in it leaves it alone (db/batches.py).
    with batch_owner(issuer.engine, intent_key) as owner:
        if not owner:
            raise AttestationBusy()
        with transaction(issuer.engine) as conn:
            taken = attestations.take_for_retry(
                conn, enrollment_id, intent_key, issuer.settings.batch_stale_seconds
            )
        if not taken:
            raise AttestationBusy()
        if offchain_mode:
            return retry_offchain(issuer, row.lock_address, member, intent_key)
        return _retry_onchain(issuer, row, member, intent_key)


def _retry_onchain(
    issuer: Issuer, row: Any, member: CertificateRecord, intent_key: str
) -> dict[str, Any]:
    """Steps 1 to 3 on chain, for an enrollment this retry has taken."""
    enrollment_id = member.enrollment_id
    schema, eas = attestation_config(issuer.settings)

    # 1. An attestation made by an earlier run whose result was lost.
    uid = _existing_uid(issuer, schema, eas, member, row.certificate_attest_batch)
    if uid is not None:
        with transaction(issuer.engine) as conn:
            attestations.record_attestations(conn, {enrollment_id: uid})
        log.info("attestation_found", enrollment_id=str(enrollment_id), attestation_uid=uid)
        return {"success": True, "found": True, "uid": uid}

    # 2. The key must still be there.
    if not has_valid_key(issuer.check_w3, row.lock_address, member.wallet_address or ""):
        raise KeyNoLongerValid()

    # 3. Attest, once per retry attempt (a crashed attempt's key is reused).
    try:
        sent = issuer.sender.send("attest", intent_key, eas, attest_data(schema, [member]))
        uids = match_attested(issuer, eas, sent, [member])
        if enrollment_id not in uids:
            raise ChainRejected(f"transaction {sent.tx_hash} made no attestation for the learner")
    except ChainError as exc:
        if exc.transient:
            raise  # the same intent key finds the transaction next time
        with transaction(issuer.engine) as conn:
            attestations.count_retry(conn, enrollment_id)
        fail_attest(issuer, intent_key, [member], exc)
        raise AttestationFailed() from exc
    with transaction(issuer.engine) as conn:
        attestations.record_attestations(conn, uids)
        attestations.count_retry(conn, enrollment_id)
    log.info(
        "attestation_retried", enrollment_id=str(enrollment_id), attestation_uid=uids[enrollment_id]
    )
    return {"success": True, "found": False, "uid": uids[enrollment_id]}


def _existing_uid(
    issuer: Issuer, schema: str, eas: str, member: CertificateRecord, batch: str | None
) -> str | None:
    found = find_attestation(
        issuer.w3,
        eas,
        schema=schema,
        attester=issuer.sender.signer.address,
        recipient=member.wallet_address or "",
        cohort_id=member.cohort_id,
        scan=issuer.scan,
    )
    if found is not None:
        return found.uid
    tx = issuer.sender.find(batch) if batch else None
    if tx is None or tx.status == "failed":
        return None
    # A transaction of an earlier batch or retry that may still mine.
    try:
        sent = issuer.sender.complete(tx)
    except ChainError as exc:
        if exc.transient:
            raise
        return None
    return match_attested(issuer, eas, sent, [member]).get(member.enrollment_id)

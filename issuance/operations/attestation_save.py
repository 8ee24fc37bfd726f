"""Record an attestation made outside certflow (``certflow save-attestation``).

The uid is accepted only after EAS says, on chain, that the attestation
exists, is ours (attester and schema), is not revoked, and says what the
enrollment's record says (recipient: the wallet frozen at the grant, cohort,
bootcamp, date, XP, key transaction). Recording it emits
``certificate.attested`` as the attest pass does, so the PDF follows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog
from web3 import Web3

from certflow.errors import AttestationBusy, CertificateInputError
from certflow.settings import Settings
from chain.attestation import OnchainAttestation, get_attestation
from db import attestations, claims, records
from db.engine import transaction
from db.records import CertificateRecord
from issuance.certificates.attestations import attestation_config
from issuance.certificates.records import completion_attestation
from issuance.verification.verification import expected_attester
from issuance.verification.verification_checks import attestation_mismatches, same_address

log = structlog.get_logger("certflow.issuance")


def refusal(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "error": message}


def save_attestation(
    settings: Settings, engine: sa.Engine, w3: Web3, enrollment_id: UUID, uid: str
) -> dict[str, Any]:
    """Check ``uid`` on chain against the enrollment, then record it; the source's
    JSON, with the reason when refused."""
    with transaction(engine) as conn:
        row = claims.target(conn, enrollment_id, settings.batch_stale_seconds)
        record = records.record(conn, enrollment_id)
    early = _by_state(row, record, uid)
    if early is not None or record is None:
        return early or refusal("not_found", "Enrollment not found")
    problem = _problem(settings, w3, record, uid)
    if problem is not None:
        return refusal("mismatch", f"Attestation {uid} not saved: {problem}")
    with transaction(engine) as conn:
        saved = attestations.record_attestations(conn, {enrollment_id: uid})
    if not saved:  # an attest batch recorded one meanwhile
        return refusal("already_attested", "Attestation already recorded")
    log.info("attestation_saved", enrollment_id=str(enrollment_id), attestation_uid=uid)
    return {"success": True, "found": False, "uid": uid}


def _by_state(
    row: sa.Row[Any] | None, record: CertificateRecord | None, uid: str
) -> dict[str, Any] | None:
    """The answer the enrollment's state already gives (refused, or saved before)."""
    if row is None or record is None:
        return refusal("not_found", "Enrollment not found")
    if not row.certificate_issued or not row.certificate_tx_hash:
        return refusal("not_issued", "No certificate key found")
    recorded = row.certificate_attestation_uid
    if recorded is not None:
        if recorded.lower() == uid.lower():
            return {"success": True, "found": True, "uid": recorded}
        return refusal("already_attested", f"Attestation already recorded: {recorded}")
    batch_live = row.certificate_attest_batch is not None and not row.attest_batch_stale
    if batch_live and row.certificate_attestation_failed_at is None:
        return refusal("busy", AttestationBusy().user_message)
    return None


def _problem(settings: Settings, w3: Web3, record: CertificateRecord, uid: str) -> str | None:
    """Why the attestation cannot be this enrollment's, or None when it can."""
    schema, eas = attestation_config(settings)
    found: OnchainAttestation | None = get_attestation(w3, eas, uid)
    if found is None:
        return f"EAS {eas} has no such attestation"
    attester = expected_attester(settings)
    if not same_address(found.attester, attester):
        return f"attested by {found.attester}, not by our attester {attester}"
    if found.schema_uid.lower() != schema.lower():
        return f"schema {found.schema_uid}, not ours ({schema})"
    if found.revocation_time:
        return "it was revoked"
    try:
        wrong = attestation_mismatches(found, completion_attestation(record), record)
    except CertificateInputError as exc:
        return str(exc)
    return "; ".join(wrong) or None

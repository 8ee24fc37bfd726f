"""What a certificate record becomes for each consumer: the printed page and the attestation.

``CertificateRecord`` is read once from the database; this module is the only
place its fields are mapped to the renderer's ``CertificateData`` and to the
chain's ``CompletionAttestation``. Rendering, attesting and verifying all go
through it, so the PDF, the chain and the verifier cannot disagree on a field.
"""

from __future__ import annotations

from uuid import UUID

from certflow.errors import CertificateInputError, RenderError
from certflow.settings import Settings
from chain.attestation import CompletionAttestation
from db.printed import PrintedRow
from db.records import CertificateRecord
from issuance.certificates.templates import PLAIN, Look
from render.certificate import CertificateData, printed_page


def verify_url(settings: Settings, cert_id: UUID) -> str:
    """The public page that verifies certificate ``cert_id`` (printed as the QR code)."""
    return f"{settings.verify_base_url.rstrip('/')}/{cert_id}"


def certificate_data(
    settings: Settings, record: CertificateRecord, cert_id: UUID, look: Look = PLAIN
) -> CertificateData:
    """What the page prints, in ``look`` (the template, locale, score and custom fields);
    RenderError when the enrollment is not ready for a certificate."""
    problem = _not_ready(record)
    if problem:
        raise RenderError(f"enrollment {record.enrollment_id}: {problem}")
    completion_day = record.completion_day
    # _not_ready checked these; the asserts narrow the types for mypy.
    assert completion_day is not None
    assert record.lock_address is not None
    assert record.certificate_tx_hash is not None
    return CertificateData(
        certificate_id=str(cert_id),
        learner_name=record.learner_name,
        bootcamp_title=record.bootcamp_title,
        cohort_name=record.cohort_name,
        completion_date=completion_day,
        total_xp=record.total_xp,
        chain_id=settings.chain_id,
        lock_address=record.lock_address,
        key_tx_hash=record.certificate_tx_hash,
        attestation_uid=record.certificate_attestation_uid,
        verify_url=verify_url(settings, cert_id),
        anchor_tx_hash=record.anchor_tx_hash,
        locale=look.locale,
        template=look.template,
        score=look.score,
        email=look.email,
        custom_fields=look.custom_fields,
    )


def printed_row(record: CertificateRecord, data: CertificateData, look: Look = PLAIN) -> PrintedRow:
    """The facts ``data`` prints, as the layout prints them (cleaned), plus the wallet,
    and what it was printed with (template version, locale, score if printed)."""
    page = printed_page(data)
    score = data.score if "score" in data.template.fields else None
    return PrintedRow(
        certificate_id=UUID(data.certificate_id),
        enrollment_id=record.enrollment_id,
        learner_name=page.learner_name,
        bootcamp_title=page.bootcamp_title,
        cohort_name=page.cohort_name,
        completion_date=data.completion_date,
        total_xp=data.total_xp,
        wallet_address=record.wallet_address,
        lock_address=data.lock_address,
        key_tx_hash=data.key_tx_hash,
        attestation_uid=data.attestation_uid,
        anchor_tx_hash=data.anchor_tx_hash,
        chain_id=data.chain_id,
        template_id=look.template_id,
        template_version=look.template_version,
        locale=data.locale,
        score=score.points if score else None,
        score_out_of=score.out_of if score else None,
    )


def _not_ready(record: CertificateRecord) -> str | None:
    if record.completion_day is None:
        return "not completed (no completion date)"
    if not record.lock_address:
        return "Certificate not configured yet (the bootcamp has no lock address)"
    if not record.certificate_tx_hash:
        return "no key granted yet (no certificate transaction hash)"
    if not record.learner_name:
        return "the learner has no display name, username or wallet to print"
    return None


def completion_attestation(record: CertificateRecord) -> CompletionAttestation:
    """The Bootcamp Completion V2 attestation of this record.

    CertificateInputError when there is no wallet to attest to or no key
    transaction to reference: attesting without them would put a wrong
    recipient or an empty reference on chain, for good.
    """
    if not record.wallet_address:
        raise CertificateInputError(f"enrollment {record.enrollment_id}: the learner has no wallet")
    if not record.certificate_tx_hash:
        raise CertificateInputError(
            f"enrollment {record.enrollment_id}: no key granted yet (no certificate transaction)"
        )
    return CompletionAttestation(
        cohort_id=record.cohort_id,
        cohort_name=record.cohort_name,
        bootcamp_id=record.bootcamp_id,
        bootcamp_title=record.bootcamp_title,
        user_address=record.wallet_address,
        completion_date=record.completion_unix,
        total_xp_earned=record.total_xp,
        certificate_tx_hash=record.certificate_tx_hash,
    )

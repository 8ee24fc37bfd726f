"""Render an enrollment's certificate, store the PDF, record it: the render actor's work.

Order matters for exactly-once: the PDF is uploaded first, then its row is
inserted in the transaction that also writes the ledger key. A crash between
the two leaves an unrecorded object that the retry overwrites with the same
bytes (the certificate id, the key and the PDF are all functions of the
enrollment and the version), so there is never a row without an object, nor
two objects for one version.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from uuid import UUID, uuid4

import sqlalchemy as sa
import structlog

from certflow.errors import BadEvent, ObjectNotFound
from certflow.settings import Settings
from db import certificates, ledger, printed, records
from db.certificates import CertificateRow
from db.engine import transaction
from db.ledger import LedgerKey
from db.records import CertificateRecord
from issuance.certificates.pdf_signing import signed_pdf
from issuance.certificates.records import certificate_data, printed_row
from issuance.certificates.templates import Pin
from issuance.certificates.templates import look as look_of
from issuance.credentials.issue import sign_if_configured
from render.certificate import render_pdf
from render.storage import ObjectStore, PdfMetadata

log = structlog.get_logger("certflow.render")


def rerender(
    engine: sa.Engine, store: ObjectStore, settings: Settings, enrollment_id: UUID
) -> RenderResult:
    """An admin's re-render: a new version with what the record says now (the name).

    Its own ledger key per request, so asking twice makes two versions on purpose.
    """
    with transaction(engine) as conn:
        if certificates.current(conn, enrollment_id) is None:
            raise BadEvent(f"enrollment {enrollment_id} has no certificate to re-render")
    key = LedgerKey("rerender_certificate", f"rerender:{enrollment_id}:{uuid4()}", None)
    return render_certificate(engine, store, settings, enrollment_id, key, new_version=True)


class Outcome(enum.StrEnum):
    RENDERED = "rendered"
    UNCHANGED = "unchanged"  # the current certificate already shows what the chain says
    DUPLICATE = "duplicate"  # this idempotency key was processed before


@dataclass(frozen=True)
class RenderResult:
    outcome: Outcome
    certificate: CertificateRow | None


def needs_render(existing: CertificateRow | None, record: CertificateRecord) -> bool:
    """A first certificate, or one whose printed attestation is not the chain's any more.

    A certificate is never re-rendered to *remove* an attestation UID: a later
    ``attestation_failed`` for an attested certificate changes nothing.
    """
    if existing is None:
        return True
    uid = record.certificate_attestation_uid
    return uid is not None and uid != existing.attestation_uid


def render_certificate(
    engine: sa.Engine,
    store: ObjectStore,
    settings: Settings,
    enrollment_id: UUID,
    key: LedgerKey,
    *,
    new_version: bool = False,
) -> RenderResult:
    """Render, upload and record the enrollment's certificate if it needs a (new) version.

    ``new_version``: render one even when the chain facts did not change (an admin's
    re-render after the learner's name changed); the old version stays verifiable.
    """
    with transaction(engine) as conn:
        # Held until commit: a second event for this enrollment waits, then sees our row.
        certificates.lock_enrollment(conn, enrollment_id)
        if not ledger.claim(conn, key.actor, key.idempotency_key, key.message_id):
            return RenderResult(Outcome.DUPLICATE, None)
        record = records.record(conn, enrollment_id)
        if record is None:
            raise BadEvent(f"enrollment {enrollment_id} does not exist")
        existing = certificates.current(conn, enrollment_id)
        if not new_version and not needs_render(existing, record):
            log.info(
                "certificate_unchanged",
                enrollment_id=str(enrollment_id),
                idempotency_key=key.idempotency_key,
                certificate_id=str(existing.id) if existing else None,
            )
            return RenderResult(Outcome.UNCHANGED, existing)
        version = 1 if existing is None else existing.version + 1
        pin = None if existing is None or new_version else _printed_with(conn, existing)
        row = _render_and_store(conn, store, settings, record, version, pin)
    log.info(
        "certificate_rendered",
        enrollment_id=str(enrollment_id),
        idempotency_key=key.idempotency_key,
        certificate_id=str(row.id),
        version=row.version,
        object_key=row.object_key,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        attestation_uid=row.attestation_uid,
    )
    return RenderResult(Outcome.RENDERED, row)


def _printed_with(conn: sa.Connection, existing: CertificateRow) -> Pin:
    """An automatic new version (the attestation arrived) keeps the look of the one it
    replaces: a template change reaches a learner's certificate only by an admin's
    rerender. A version with no printed row predates templates: certflow's own, English."""
    stored = printed.by_certificate(conn, existing.id)
    if stored is None:
        return Pin()
    return Pin(stored.template_id, stored.template_version, stored.locale)


def _render_and_store(
    conn: sa.Connection,
    store: ObjectStore,
    settings: Settings,
    record: CertificateRecord,
    version: int,
    pin: Pin | None,
) -> CertificateRow:
    cert_id = certificates.certificate_id(record.enrollment_id, version)
    # The bootcamp's template as it is now (or the pinned one): a stored version never changes.
    look = look_of(conn, store, record.enrollment_id, pin)
    data = certificate_data(settings, record, cert_id, look)
    pdf = signed_pdf(settings, render_pdf(data), cert_id)
    digest = hashlib.sha256(pdf).hexdigest()
    object_key = store.object_key(
        record.bootcamp_id, record.cohort_id, record.user_profile_id, cert_id
    )
    uid = record.certificate_attestation_uid
    metadata = PdfMetadata(
        enrollment_id=str(record.enrollment_id),
        certificate_id=str(cert_id),
        attestation_uid=uid,
        version=version,
    )
    try:
        store.put_pdf(object_key, pdf, metadata)
    except ObjectNotFound:
        # No bucket (a first render, or a wiped dev server): create it and store again.
        # Asking before every put cost a round trip per certificate in a burst.
        store.ensure_bucket()
        store.put_pdf(object_key, pdf, metadata)
    # Only now, with the object in place, does the row exist (same transaction as the ledger key).
    row = certificates.record(
        conn,
        cert_id=cert_id,
        enrollment_id=record.enrollment_id,
        version=version,
        object_key=object_key,
        sha256=digest,
        size_bytes=len(pdf),
        attestation_uid=uid,
    )
    # What the page says, stored with the version: the site vouches for these values.
    printed.record(conn, printed_row(record, data, look))
    sign_if_configured(conn, settings, record, row)  # its credential commits with it
    return row

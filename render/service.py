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
import threading
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.errors import BadEvent, RenderError
from certflow.settings import Settings
from db import certificate_pdfs as pdfs
from db import ledger
from db.certificate_pdfs import CertificateRow, CertificateSource
from db.engine import transaction
from render.certificate import CertificateData, render_pdf
from render.storage import ObjectStore, PdfMetadata

log = structlog.get_logger("certflow.render")


class Outcome(enum.StrEnum):
    RENDERED = "rendered"
    UNCHANGED = "unchanged"  # the current certificate already shows what the chain says
    DUPLICATE = "duplicate"  # this idempotency key was processed before


@dataclass(frozen=True)
class RenderResult:
    outcome: Outcome
    certificate: CertificateRow | None


@dataclass(frozen=True)
class LedgerKey:
    """Who is processing which message: the ledger row written with the effect."""

    actor: str
    idempotency_key: str
    message_id: str | None


def verify_url(settings: Settings, cert_id: UUID) -> str:
    return f"{settings.verify_base_url.rstrip('/')}/{cert_id}"


def needs_render(existing: CertificateRow | None, src: CertificateSource) -> bool:
    """A first certificate, or one whose printed attestation is not the chain's any more.

    A certificate is never re-rendered to *remove* an attestation UID: a later
    ``attestation_failed`` for an attested certificate changes nothing.
    """
    if existing is None:
        return True
    uid = src.certificate_attestation_uid
    return uid is not None and uid != existing.attestation_uid


def certificate_data(settings: Settings, src: CertificateSource, cert_id: UUID) -> CertificateData:
    """What the page prints; RenderError when the enrollment is not ready for a certificate."""
    problem = _not_ready(src)
    if problem:
        raise RenderError(f"enrollment {src.enrollment_id}: {problem}")
    # For mypy: _not_ready checked these.
    assert src.completion_day is not None
    assert src.lock_address is not None
    assert src.certificate_tx_hash is not None
    return CertificateData(
        certificate_id=str(cert_id),
        learner_name=src.display_name or "",
        bootcamp_title=src.bootcamp_title,
        cohort_name=src.cohort_name,
        completion_date=src.completion_day,
        total_xp=src.total_xp,
        chain_id=settings.chain_id,
        lock_address=src.lock_address,
        key_tx_hash=src.certificate_tx_hash,
        attestation_uid=src.certificate_attestation_uid,
        verify_url=verify_url(settings, cert_id),
    )


def _not_ready(src: CertificateSource) -> str | None:
    if src.completion_day is None:
        return "not completed (no completion date)"
    if not src.lock_address:
        return "Certificate not configured yet (the bootcamp has no lock address)"
    if not src.certificate_tx_hash:
        return "no key granted yet (no certificate transaction hash)"
    if not (src.display_name or "").strip():
        return "the learner has no display name to print"
    return None


def render_certificate(
    engine: sa.Engine,
    store: ObjectStore,
    settings: Settings,
    enrollment_id: UUID,
    key: LedgerKey,
) -> RenderResult:
    """Render, upload and record the enrollment's certificate if it needs a (new) version."""
    with transaction(engine) as conn:
        # Held until commit: a second event for this enrollment waits, then sees our row.
        pdfs.lock_enrollment(conn, enrollment_id)
        if not ledger.claim(conn, key.actor, key.idempotency_key, key.message_id):
            return RenderResult(Outcome.DUPLICATE, None)
        src = pdfs.source(conn, enrollment_id)
        if src is None:
            raise BadEvent(f"enrollment {enrollment_id} does not exist")
        existing = pdfs.current(conn, enrollment_id)
        if not needs_render(existing, src):
            log.info(
                "certificate_unchanged",
                enrollment_id=str(enrollment_id),
                idempotency_key=key.idempotency_key,
                certificate_id=str(existing.id) if existing else None,
            )
            return RenderResult(Outcome.UNCHANGED, existing)
        version = 1 if existing is None else existing.version + 1
        row = _render_and_store(conn, store, settings, src, version)
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


def _render_and_store(
    conn: sa.Connection,
    store: ObjectStore,
    settings: Settings,
    src: CertificateSource,
    version: int,
) -> CertificateRow:
    cert_id = pdfs.certificate_id(src.enrollment_id, version)
    pdf = render_pdf(certificate_data(settings, src, cert_id))
    digest = hashlib.sha256(pdf).hexdigest()
    object_key = store.object_key(src.bootcamp_id, src.cohort_id, src.user_profile_id, cert_id)
    # Checked on every render, not once per process: a bucket can vanish (a
    # wiped dev server), and a HEAD request is cheap next to rendering.
    store.ensure_bucket()
    store.put_pdf(
        object_key,
        pdf,
        PdfMetadata(
            enrollment_id=str(src.enrollment_id),
            certificate_id=str(cert_id),
            attestation_uid=src.certificate_attestation_uid,
            version=version,
        ),
    )
    # Only now, with the object in place, does the row exist (same transaction as the ledger key).
    rendered_at = pdfs.record(
        conn,
        cert_id=cert_id,
        enrollment_id=src.enrollment_id,
        version=version,
        object_key=object_key,
        sha256=digest,
        size_bytes=len(pdf),
        attestation_uid=src.certificate_attestation_uid,
    )
    return CertificateRow(
        id=cert_id,
        enrollment_id=src.enrollment_id,
        version=version,
        object_key=object_key,
        sha256=digest,
        size_bytes=len(pdf),
        attestation_uid=src.certificate_attestation_uid,
        rendered_at=rendered_at,
        superseded_at=None,
    )


_stores: dict[tuple[str, ...], ObjectStore] = {}
_stores_lock = threading.Lock()


def store_for(settings: Settings) -> ObjectStore:
    """One ObjectStore (and connection pool) per process and S3 configuration."""
    # The access key id tells configurations apart; the secret never leaves settings.
    access = settings.s3_access_key.get_secret_value() if settings.s3_access_key else ""
    cache_key = (
        settings.s3_endpoint,
        settings.s3_bucket,
        settings.s3_region,
        str(settings.certificate_url_ttl),
        access,
    )
    with _stores_lock:
        store = _stores.get(cache_key)
        if store is None:
            store = ObjectStore.from_settings(settings, region=settings.s3_region)
            _stores[cache_key] = store
        return store

"""Sign a certificate's credential and publish the status lists: the signer's use case.

``issue_credential`` runs inside the render transaction that records the
certificate version, so a version and its credential commit together (or
neither does); a redelivered render finds the stored credential and signs
nothing new. Credentials and lists are stored as the exact JSON text signed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.settings import Settings
from db import certificates, credentials, records, revocations
from db.certificates import CertificateRow
from db.credentials import StoredCredential
from db.engine import transaction
from db.records import CertificateRecord
from issuance.credentials.credential import open_badge, site_url, timestamp
from issuance.credentials.identity import IssuerKey, issuer_key, require_issuer_key
from issuance.credentials.proof import add_proof
from issuance.credentials.status_list import Position, entry, status_list_credential

log = structlog.get_logger("certflow.credentials")


def serialize(document: dict[str, Any]) -> str:
    """The text stored and served: UTF-8 JSON, two-space indented, keys in build order."""
    return json.dumps(document, ensure_ascii=False, indent=2)


def sign_if_configured(
    conn: sa.Connection, settings: Settings, record: CertificateRecord, certificate: CertificateRow
) -> StoredCredential | None:
    """The render's hook: sign the new version's credential when this process has the key."""
    key = issuer_key(settings)
    if key is None:
        log.info(
            "credential_not_signed",
            certificate_id=str(certificate.id),
            reason="CREDENTIAL_SIGNING_KEY is not set",
        )
        return None
    return issue_credential(conn, settings, key, record, certificate)


def issue_credential(
    conn: sa.Connection,
    settings: Settings,
    key: IssuerKey,
    record: CertificateRecord,
    certificate: CertificateRow,
) -> StoredCredential:
    """The certificate version's credential: signed and stored now, or the one stored before."""
    existing = credentials.by_certificate(conn, certificate.id)
    if existing is not None:
        return existing
    credentials.record_key(conn, key.public_key_multibase)
    position = Position.of(credentials.next_position(conn))
    site = site_url(settings)
    if credentials.status_list(conn, position.list_id) is None:
        publish_status_list(conn, settings, key, position.list_id)
    unsigned = open_badge(settings, record, certificate, key.did, entry(site, position))
    now = timestamp(dt.datetime.now(dt.UTC))
    signed = add_proof(unsigned, key.private_key, key.verification_method, now, as_set=True)
    stored = credentials.insert(
        conn,
        certificate_id=certificate.id,
        enrollment_id=record.enrollment_id,
        document=serialize(signed),
        public_key_multibase=key.public_key_multibase,
        status_list=position.list_id,
        status_index=position.index,
    )
    if revocations.by_enrollment(conn, record.enrollment_id) is not None:
        # A new version of a revoked certificate (an admin's re-render) is revoked too.
        publish_status_list(conn, settings, key, position.list_id)
    log.info(
        "credential_signed",
        certificate_id=str(certificate.id),
        status_list=position.list_id,
        status_index=position.index,
        verification_method=key.verification_method,
    )
    return stored


def publish_status_list(
    conn: sa.Connection, settings: Settings, key: IssuerKey, list_id: int
) -> None:
    """Sign list ``list_id`` with the bits of every revoked credential in it, and store it."""
    credentials.lock_status_list(conn, list_id)  # until commit: one signer per list at a time
    revoked = credentials.revoked_indexes(conn, list_id)
    now = timestamp(dt.datetime.now(dt.UTC))
    unsigned = status_list_credential(site_url(settings), key.did, list_id, revoked, now)
    signed = add_proof(unsigned, key.private_key, key.verification_method, now)
    credentials.record_key(conn, key.public_key_multibase)
    credentials.save_status_list(conn, list_id, serialize(signed))
    log.info("status_list_signed", status_list=list_id, revoked=len(revoked))


def backfill(engine: sa.Engine, settings: Settings, limit: int) -> list[UUID]:
    """Sign the credentials of current versions rendered without a key (oldest first, at
    most ``limit``): each under its enrollment's render lock, like a render."""
    key = require_issuer_key(settings)
    with transaction(engine) as conn:
        ids = credentials.missing(conn, limit)
    signed = []
    for cert_id in ids:
        with transaction(engine) as conn:
            row = certificates.by_id(conn, cert_id)
            assert row is not None  # certificates are never deleted
            certificates.lock_enrollment(conn, row.enrollment_id)
            record = records.record(conn, row.enrollment_id)
            assert record is not None  # the row's foreign key keeps the enrollment
            if credentials.by_certificate(conn, cert_id) is None:
                issue_credential(conn, settings, key, record, row)
                signed.append(cert_id)
    return signed


def publish_for_enrollment(engine: sa.Engine, settings: Settings, enrollment_id: UUID) -> list[int]:
    """Re-sign the lists holding the enrollment's credentials (after a revocation)."""
    with transaction(engine) as conn:
        lists = credentials.lists_of_enrollment(conn, enrollment_id)
    return _publish(engine, settings, lists)


def publish_all(engine: sa.Engine, settings: Settings) -> list[int]:
    """Re-sign every status list (a revocation made without the credential key, or a rotation)."""
    with transaction(engine) as conn:
        lists = credentials.all_lists(conn)
    return _publish(engine, settings, lists)


def _publish(engine: sa.Engine, settings: Settings, lists: list[int]) -> list[int]:
    if not lists:
        return []
    key = require_issuer_key(settings)
    for list_id in lists:
        with transaction(engine) as conn:
            publish_status_list(conn, settings, key, list_id)
    return lists

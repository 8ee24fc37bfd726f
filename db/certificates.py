"""The ``certificates`` table: which PDF version of an enrollment is stored where.

Each row is one rendered version. The current one has ``superseded_at`` NULL;
a newer version (the attestation arrived after a "pending" certificate)
supersedes it in the same transaction that records the newer one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db import outbox
from db.queries import query

#: Namespace of certificate ids: uuid5(namespace, "{enrollment_id}:{version}").
CERTIFICATE_IDS = uuid.UUID("3f6b2c9e-8d41-5a7f-b1e0-6c2d9a4e7f13")


def certificate_id(enrollment_id: UUID, version: int) -> UUID:
    """Stable per enrollment and version: a re-render after a crash reuses the id and the key."""
    return uuid.uuid5(CERTIFICATE_IDS, f"{enrollment_id}:{version}")


@dataclass(frozen=True)
class CertificateRow:
    """One stored certificate version."""

    id: UUID
    enrollment_id: UUID
    version: int
    object_key: str
    sha256: str
    size_bytes: int
    attestation_uid: str | None
    rendered_at: dt.datetime
    superseded_at: dt.datetime | None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


def lock_enrollment(conn: sa.Connection, enrollment_id: UUID) -> None:
    """Hold the enrollment's render lock until the caller's transaction ends."""
    conn.execute(query("pdf_lock_enrollment"), {"enrollment_id": enrollment_id})


def current(conn: sa.Connection, enrollment_id: UUID) -> CertificateRow | None:
    """The enrollment's current certificate version, if one was recorded."""
    return _row(conn.execute(query("pdf_current"), {"enrollment_id": enrollment_id}).first())


def by_id(conn: sa.Connection, cert_id: UUID) -> CertificateRow | None:
    return _row(conn.execute(query("pdf_by_id"), {"id": cert_id}).first())


def by_sha256(conn: sa.Connection, sha256: str) -> CertificateRow | None:
    """The newest version whose stored bytes have this digest (an uploaded file's match)."""
    return _row(conn.execute(query("pdf_by_sha256"), {"sha256": sha256}).first())


def learner_current(conn: sa.Connection, user_profile_id: UUID) -> list[CertificateRow]:
    """A learner's current certificate of each enrollment, oldest first."""
    rows = conn.execute(query("learner_current_certificates"), {"user_profile_id": user_profile_id})
    return [CertificateRow(**row._mapping) for row in rows]


def record(
    conn: sa.Connection,
    *,
    cert_id: UUID,
    enrollment_id: UUID,
    version: int,
    object_key: str,
    sha256: str,
    size_bytes: int,
    attestation_uid: str | None,
) -> CertificateRow:
    """Supersede older versions and insert this one, in the caller's transaction.

    Call only after the object exists in storage: a recorded certificate
    always has its bytes behind it.
    """
    conn.execute(query("pdf_supersede"), {"enrollment_id": enrollment_id, "version": version})
    row = conn.execute(
        query("pdf_insert"),
        {
            "id": cert_id,
            "enrollment_id": enrollment_id,
            "version": version,
            "object_key": object_key,
            "sha256": sha256,
            "size_bytes": size_bytes,
            "attestation_uid": attestation_uid,
        },
    ).one()
    # certificate.issued for the apps' webhooks: this version's PDF is stored.
    outbox.emit(
        conn,
        "certificate.issued",
        {"enrollment_id": str(enrollment_id), "certificate_id": str(cert_id), "version": version},
        f"certificate.issued:{cert_id}",
    )
    return CertificateRow(**row._mapping)


def _row(row: sa.Row[Any] | None) -> CertificateRow | None:
    return None if row is None else CertificateRow(**row._mapping)

"""Verifiable credentials, the issuer's public keys and the status lists, as stored.

Documents are text: the JSON exactly as signed, served byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class StoredCredential:
    certificate_id: UUID
    enrollment_id: UUID
    document: str
    public_key_multibase: str
    status_list: int
    status_index: int
    signed_at: dt.datetime


@dataclass(frozen=True)
class StoredStatusList:
    list_id: int
    document: str
    signed_at: dt.datetime


def record_key(conn: sa.Connection, public_key_multibase: str) -> None:
    """List this public key (once) among the keys that ever signed."""
    conn.execute(query("credential_key_record"), {"key": public_key_multibase})


def keys(conn: sa.Connection) -> list[str]:
    """Every key that ever signed, oldest first."""
    return [row.public_key_multibase for row in conn.execute(query("credential_keys_all"))]


def next_position(conn: sa.Connection) -> int:
    return int(conn.execute(query("credential_next_position")).scalar_one())


def insert(
    conn: sa.Connection,
    *,
    certificate_id: UUID,
    enrollment_id: UUID,
    document: str,
    public_key_multibase: str,
    status_list: int,
    status_index: int,
) -> StoredCredential:
    """Store a signed credential unless the version has one; the stored one either way."""
    conn.execute(
        query("credential_insert"),
        {
            "certificate_id": certificate_id,
            "enrollment_id": enrollment_id,
            "document": document,
            "key": public_key_multibase,
            "status_list": status_list,
            "status_index": status_index,
        },
    )
    found = by_certificate(conn, certificate_id)
    assert found is not None  # inserted now, or earlier in a committed transaction
    return found


def by_certificate(conn: sa.Connection, certificate_id: UUID) -> StoredCredential | None:
    row = conn.execute(
        query("credential_by_certificate"), {"certificate_id": certificate_id}
    ).first()
    return None if row is None else StoredCredential(**row._mapping)


def missing(conn: sa.Connection, limit: int) -> list[UUID]:
    """Current certificate versions that have no credential, oldest first."""
    return [row.id for row in conn.execute(query("credential_missing"), {"limit": limit})]


def lists_of_enrollment(conn: sa.Connection, enrollment_id: UUID) -> list[int]:
    rows = conn.execute(query("credential_lists_of_enrollment"), {"enrollment_id": enrollment_id})
    return [int(row.status_list) for row in rows]


def all_lists(conn: sa.Connection) -> list[int]:
    return [int(row.status_list) for row in conn.execute(query("credential_all_lists"))]


def revoked_indexes(conn: sa.Connection, list_id: int) -> list[int]:
    rows = conn.execute(query("credential_revoked_indexes"), {"list_id": list_id})
    return [int(row.status_index) for row in rows]


def lock_status_list(conn: sa.Connection, list_id: int) -> None:
    conn.execute(query("status_list_lock"), {"list_id": list_id})


def status_list(conn: sa.Connection, list_id: int) -> StoredStatusList | None:
    row: sa.Row[Any] | None = conn.execute(query("status_list_by_id"), {"list_id": list_id}).first()
    return None if row is None else StoredStatusList(**row._mapping)


def save_status_list(conn: sa.Connection, list_id: int, document: str) -> None:
    conn.execute(query("status_list_save"), {"list_id": list_id, "document": document})

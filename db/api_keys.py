"""API keys of communities: made here once, stored as a digest, found by a public prefix.

A key is ``cfk_<12 hex>_<43 url-safe characters>``: 48 random bits of public
prefix (to find the row, and to name the key in lists and logs) and 256 random
bits of secret. Only the sha256 of the whole key is stored. A plain digest is
enough here, unlike for passwords: with 256 random bits there is no dictionary
to try and no brute force to slow down, so a slow KDF (bcrypt, argon2) would
only add its cost to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from certflow.errors import Refused
from db.queries import query

PREFIX = "cfk_"


@dataclass(frozen=True)
class ApiKey:
    id: UUID
    community_id: str
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "community": self.community_id,
            "prefix": self.prefix,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class KeyOwner:
    """Whose a presented key is: its id (for logs) and its community."""

    key_id: UUID
    community_id: str


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def split(key: str) -> str | None:
    """The public prefix of a well-formed key, or None (the secret may hold ``_`` too)."""
    size = len(PREFIX) + 12
    head, sep, secret = key[:size], key[size : size + 1], key[size + 1 :]
    if not head.startswith(PREFIX) or sep != "_" or not secret:
        return None
    return head


def create(conn: sa.Connection, community_id: str, name: str) -> tuple[ApiKey, str]:
    """A new key of the community: the row, and the key itself (shown once, never stored)."""
    if not conn.execute(query("community_exists"), {"community": community_id}).scalar_one():
        raise Refused(f"no community {community_id!r}")
    prefix = PREFIX + secrets.token_hex(6)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    row = conn.execute(
        query("api_key_insert"),
        {
            "community_id": community_id,
            "prefix": prefix,
            "secret_sha256": digest(key),
            "name": name,
        },
    ).one()
    return ApiKey(**row._mapping), key


def listed(conn: sa.Connection, community_id: str | None = None) -> list[ApiKey]:
    rows = conn.execute(query("api_key_list"), {"community_id": community_id})
    return [ApiKey(**row._mapping) for row in rows]


def revoke(conn: sa.Connection, prefix: str) -> ApiKey | None:
    row = conn.execute(query("api_key_revoke"), {"prefix": prefix}).first()
    return None if row is None else ApiKey(**row._mapping)


def owner(conn: sa.Connection, key: str) -> KeyOwner | None:
    """The key's id and community when it is known, matches and is not revoked."""
    prefix = split(key)
    if prefix is None:
        return None
    row = conn.execute(query("api_key_lookup"), {"prefix": prefix}).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(bytes(row.secret_sha256), digest(key)):
        return None
    conn.execute(query("api_key_touch"), {"id": row.id})
    return KeyOwner(row.id, row.community_id)

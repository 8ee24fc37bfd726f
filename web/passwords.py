"""Admin credentials: scrypt password hashes (stdlib) and the ``ADMIN_USERS`` list.

Only hashes are configured, never passwords: ``certflow admin-password-hash``
prints the hash of a password typed at a prompt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from certflow.errors import ConfigError

Role = Literal["admin", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "viewer")
# OWASP's scrypt floor (N=2^17, r=8, p=1) needs 128 MiB per check: for a login form
# on a small host, 2^15 (32 MiB, ~0.1 s) is the trade made here.
_N, _R, _P = 2**15, 8, 1


@dataclass(frozen=True)
class AdminUser:
    name: str
    role: Role
    password_hash: str


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, bytes.fromhex(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r * p, dklen=32
    )


def parse_users(value: str) -> dict[str, AdminUser]:
    """``name:role:hash,...``; a malformed entry is a configuration error naming its user."""
    users = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, _, rest = entry.partition(":")
        role, _, password_hash = rest.partition(":")
        if not name or role not in ROLES or not password_hash.startswith("scrypt$"):
            shown = name or "(no name)"
            raise ConfigError(
                f"ADMIN_USERS: the entry of {shown} is not name:admin|viewer:scrypt-hash"
            )
        users[name] = AdminUser(name, role, password_hash)
    return users

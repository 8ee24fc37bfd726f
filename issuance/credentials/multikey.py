"""Ed25519 keys as Multikey strings: multicodec prefix + key bytes, base58btc (``z…``).

A public key is ``ed25519-pub`` (0xed, varint ``ed 01``) and reads ``z6Mk…``; a
secret key is ``ed25519-priv`` (0x1300, varint ``80 26``) and reads ``z3u2…``,
the ``secretKeyMultibase`` of the W3C Controlled Identifiers spec.
"""

from __future__ import annotations

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from certflow.errors import CredentialError

PUBLIC_PREFIX = b"\xed\x01"
SECRET_PREFIX = b"\x80\x26"


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` and the base58 (Bitcoin alphabet) of ``data``."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    if not value.startswith("z"):
        raise CredentialError("not a base58btc multibase value (no 'z' prefix)")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("not a base58btc multibase value") from exc


def public_multibase(key: Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` of ``key`` (``z6Mk…``)."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return encode_base58btc(PUBLIC_PREFIX + raw)


def public_key(multibase: str) -> Ed25519PublicKey:
    """The Ed25519 public key a ``publicKeyMultibase`` names."""
    raw = decode_base58btc(multibase)
    if len(raw) != 34 or not raw.startswith(PUBLIC_PREFIX):
        raise CredentialError("not an Ed25519 Multikey public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def secret_multibase(key: Ed25519PrivateKey) -> str:
    """The ``secretKeyMultibase`` of ``key`` (``z3u2…``): keep it secret."""
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return encode_base58btc(SECRET_PREFIX + raw)


def secret_key(multibase: str) -> Ed25519PrivateKey:
    """The Ed25519 private key of a ``secretKeyMultibase``; never echoes the value."""
    raw = decode_base58btc(multibase.strip())
    if len(raw) != 34 or not raw.startswith(SECRET_PREFIX):
        raise CredentialError("not an Ed25519 Multikey secret key (z3u2…)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])

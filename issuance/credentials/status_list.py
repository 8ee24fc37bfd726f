"""Bitstring Status List v1.0: revocation that any verifier can read.

Every credential gets a position: list ``n`` and index ``i`` in it. The list is
a credential of its own (``BitstringStatusListCredential``), signed by the
issuer like the credentials and served by the site; bit ``i`` set means
credential ``i`` is revoked. Bit 0 is the most significant bit of the first
byte; the bitstring is GZIP-compressed and written as multibase base64url
(``u…``, no padding). 131,072 entries per list (16 KiB), the size the
specification recommends so a list does not single out one learner.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from certflow.errors import CredentialError
from issuance.credentials.documents import VC_V2

LIST_SIZE = 131_072
PURPOSE = "revocation"


@dataclass(frozen=True)
class Position:
    """Where a credential's status bit is."""

    list_id: int
    index: int

    @classmethod
    def of(cls, sequence_value: int) -> Position:
        """The position of the ``sequence_value``-th credential (0-based)."""
        return cls(sequence_value // LIST_SIZE, sequence_value % LIST_SIZE)


def list_url(site: str, list_id: int) -> str:
    return f"{site}/credentials/status/{list_id}.json"


def entry(site: str, position: Position) -> dict[str, str]:
    """The credential's ``credentialStatus``."""
    url = list_url(site, position.list_id)
    return {
        "id": f"{url}#{position.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(position.index),
        "statusListCredential": url,
    }


def encode(revoked: Iterable[int]) -> str:
    bits = bytearray(LIST_SIZE // 8)
    for index in revoked:
        if not 0 <= index < LIST_SIZE:
            raise CredentialError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits give the same bytes (and the same signed list).
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise CredentialError("the status list is not multibase base64url")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, OSError, EOFError, zlib.error) as exc:
        raise CredentialError("the status list cannot be decoded") from exc


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise CredentialError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    site: str, did: str, list_id: int, revoked: Iterable[int], valid_from: str
) -> dict[str, Any]:
    """The unsigned status list credential of list ``list_id``, with ``revoked`` set."""
    url = list_url(site, list_id)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked),
        },
    }


def revoked_in(status_list: Mapping[str, Any], index: int) -> bool:
    """Is bit ``index`` set in a (verified) status list credential?"""
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("statusPurpose") != PURPOSE:
        raise CredentialError("not a revocation status list")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise CredentialError("the status list has no encodedList")
    return is_set(decode(encoded), index)

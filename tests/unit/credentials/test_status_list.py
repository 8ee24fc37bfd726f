"""Bitstring Status List: bit i of the GZIP'd, multibase base64url list is credential i."""

from __future__ import annotations

import base64
import gzip

import pytest

from certflow.errors import CredentialError
from issuance.credentials import status_list


def test_an_empty_list_is_16_kib_of_zeros() -> None:
    bits = status_list.decode(status_list.encode([]))
    assert bits == bytes(16 * 1024)


def test_bit_zero_is_the_first_bytes_most_significant_bit() -> None:
    encoded = status_list.encode([0, 9, 131_071])
    assert encoded.startswith("u")
    assert "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert (raw[0], raw[1], raw[-1]) == (0x80, 0x40, 0x01)
    assert [status_list.is_set(raw, i) for i in (0, 1, 9, 10, 131_071)] == [
        True, False, True, False, True
    ]  # fmt: skip


def test_the_same_bits_give_the_same_bytes() -> None:
    assert status_list.encode([5, 7]) == status_list.encode([7, 5])


def test_positions_fill_one_list_then_the_next() -> None:
    assert status_list.Position.of(0) == status_list.Position(0, 0)
    assert status_list.Position.of(131_071) == status_list.Position(0, 131_071)
    assert status_list.Position.of(131_072) == status_list.Position(1, 0)


def test_a_revoked_index_reads_as_revoked_in_the_list_credential() -> None:
    doc = status_list.status_list_credential("https://x.example", "did:web:x.example", 0, [42], "t")
    assert status_list.revoked_in(doc, 42) is True
    assert status_list.revoked_in(doc, 41) is False


def test_an_index_outside_the_list_is_refused() -> None:
    with pytest.raises(CredentialError):
        status_list.encode([131_072])

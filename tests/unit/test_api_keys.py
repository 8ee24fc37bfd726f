"""API key format: the public prefix is found whatever the secret holds; only a key of the
exact shape has one."""

from __future__ import annotations

import hashlib

import pytest

from db.api_keys import digest, split


def test_the_prefix_of_a_key_whose_secret_holds_underscores() -> None:
    assert split("cfk_0123456789ab_a_b-c_d") == "cfk_0123456789ab"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "cfk_",
        "cfk_0123456789ab",
        "cfk_0123456789ab_",
        "cfk_0123456789a_x",
        "xyz_0123456789ab_x",
    ],
)
def test_malformed_keys_have_no_prefix(key: str) -> None:
    assert split(key) is None


def test_the_stored_digest_is_sha256_of_the_whole_key() -> None:
    key = "cfk_0123456789ab_secret"
    assert digest(key) == hashlib.sha256(key.encode()).digest()

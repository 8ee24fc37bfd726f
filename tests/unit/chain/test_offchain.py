"""EAS off-chain attestations: UID, EIP-712 signature, JSON and share link, without a node.

The known answer below was signed by ``@ethereum-attestation-service/eas-sdk``
2.10.0 (``Offchain.signOffchainAttestation`` with an ethers Wallet) for the
same key, domain, message and salt; the integration tests re-derive it live.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from certflow.errors import ChainRejected
from chain.attestation import CompletionAttestation
from chain.offchain import (
    ATTEST_FIELDS,
    ZERO_UID,
    OffchainAttestation,
    attest_types,
    offchain_uid,
    recover_signer,
    sign_offchain,
    verify_offchain,
)
from chain.offchain_json import (
    URL_PATH,
    attestation_from_url,
    compact,
    decode_package,
    encode_package,
    from_sdk_json,
    offchain_url,
    to_package,
    to_sdk_json,
    uncompact,
)
from chain.transactions import Signer

#: anvil's dev account 0: a published test key, worthless off a dev chain.
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
SIGNER = Signer.from_key(DEV_KEY)
EAS = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
CHAIN_ID = 31337
EAS_VERSION = "1.4.0"
SCHEMA_UID = "0x" + "11" * 32
RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SALT = "0x" + "22" * 32
TIME = 1_735_689_600

#: What eas-sdk 2.10.0 signed for sign(b"\x01\x02", salt=SALT).
SDK_UID = "0x03e94e41460cee1e7b7626f3244a9c3f360df405427dc86bf5ebe03efc5fedc8"
SDK_R = "0x0a6476dbb1de0b83ec098a42a0e46993e2d7309184a29e1110e6ad5c949580ad"
SDK_S = "0x395cb52397f62d438d963be8689676db498694d40dc7796c81d01c8736927a42"
SDK_V = 28

COMPLETION = CompletionAttestation(
    cohort_id="cohort-1",
    cohort_name="Web3 Bootcamp — Cohort 1",
    bootcamp_id="bootcamp-web3",
    bootcamp_title="Web3 Foundations",
    user_address=RECIPIENT,
    completion_date=TIME,
    total_xp_earned=1250,
    certificate_tx_hash="0x" + "ab" * 32,
)


def sign(data: bytes = COMPLETION.encode(), salt: str | None = SALT) -> OffchainAttestation:
    return sign_offchain(
        SIGNER, EAS, CHAIN_ID, EAS_VERSION, SCHEMA_UID, RECIPIENT, data, TIME, salt=salt
    )


def verify(att: OffchainAttestation, attester: str = SIGNER.address) -> bool:
    return verify_offchain(att, attester, EAS, CHAIN_ID, EAS_VERSION)


def test_matches_what_the_eas_sdk_signed() -> None:
    att = sign(b"\x01\x02")

    assert (att.uid, att.r, att.s, att.v) == (SDK_UID, SDK_R, SDK_S, SDK_V)
    assert att.signer == SIGNER.address
    assert verify(att)


def test_the_attest_type_is_the_sdks_version_2_in_its_order() -> None:
    assert [name for name, _ in ATTEST_FIELDS] == [
        "version", "schema", "recipient", "time", "expirationTime",
        "revocable", "refUID", "data", "salt",
    ]  # fmt: skip
    assert attest_types()["Attest"][-1] == {"name": "salt", "type": "bytes32"}


def test_uid_and_signature_are_deterministic_for_a_given_salt() -> None:
    first, second = sign(), sign()

    assert first == second
    assert first.uid == offchain_uid(
        SCHEMA_UID, RECIPIENT, TIME, 0, False, ZERO_UID, COMPLETION.encode(), SALT
    )


def test_a_fresh_salt_is_drawn_when_none_is_given() -> None:
    first, second = sign(salt=None), sign(salt=None)

    assert first.salt != second.salt
    assert first.uid != second.uid
    assert len(bytes.fromhex(first.salt[2:])) == 32
    assert verify(first)
    assert verify(second)


def test_the_uid_hashes_the_schema_text_as_the_sdk_does() -> None:
    # Same 32 bytes, other text: the SDK packs the text, so the UID differs.
    lower = offchain_uid(SCHEMA_UID, RECIPIENT, TIME, 0, False, ZERO_UID, b"", SALT)
    upper = offchain_uid("0x" + "AA" * 32, RECIPIENT, TIME, 0, False, ZERO_UID, b"", SALT)
    again = offchain_uid("0x" + "aa" * 32, RECIPIENT, TIME, 0, False, ZERO_UID, b"", SALT)
    assert lower != upper != again


TAMPERED: list[tuple[str, Any]] = [
    ("schema", "0x" + "12" * 32),
    ("recipient", "0x" + "a1" * 20),
    ("time", TIME + 1),
    ("expiration_time", TIME + 86_400),
    ("revocable", True),
    ("ref_uid", "0x" + "01" * 32),
    ("data", COMPLETION.encode()[:-1] + b"\x01"),
    ("salt", "0x" + "23" * 32),
    ("uid", "0x" + "00" * 32),
    ("r", "0x" + "0a" * 32),
    ("s", "0x" + "39" * 32),
    ("v", "flip"),
    ("v", 29),
    ("signer", "0x" + "b2" * 20),
    ("eas_address", "0x" + "c3" * 20),
    ("chain_id", 1),
    ("eas_version", "1.3.0"),
    ("version", 1),
]


@pytest.mark.parametrize(
    ("name", "value"), TAMPERED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TAMPERED)]
)
def test_tampering_any_field_fails_verification(name: str, value: Any) -> None:
    att = sign()
    assert verify(att)

    if value == "flip":
        value = 55 - att.v  # the other parity: 27 <-> 28
    assert not verify(dataclasses.replace(att, **{name: value}))


def test_the_uid_is_compared_as_text_as_the_sdk_does() -> None:
    att = sign()

    assert not verify(dataclasses.replace(att, uid="0x" + att.uid[2:].upper()))


def test_a_changed_field_with_its_uid_recomputed_still_fails_on_the_signature() -> None:
    att = sign()
    forged = dataclasses.replace(att, time=TIME + 1)
    forged = dataclasses.replace(forged, uid=offchain_uid(
        forged.schema, forged.recipient, forged.time, 0, False, ZERO_UID, forged.data, forged.salt
    ))  # fmt: skip

    assert not verify(forged)


def test_another_attester_or_deployment_fails() -> None:
    att = sign()

    assert not verify(att, attester="0x" + "b2" * 20)
    assert not verify_offchain(att, SIGNER.address, "0x" + "c3" * 20, CHAIN_ID, EAS_VERSION)
    assert not verify_offchain(att, SIGNER.address, EAS, 1, EAS_VERSION)
    assert not verify_offchain(att, SIGNER.address, EAS, CHAIN_ID, "1.3.0")


def test_a_garbage_signature_is_false_not_an_error() -> None:
    assert not verify(dataclasses.replace(sign(), r="0xzz", s="0x"))


def test_sdk_json_round_trip_through_text() -> None:
    att = sign()
    text = json.dumps(to_package(att))

    assert from_sdk_json(json.loads(text)) == att
    assert from_sdk_json(to_sdk_json(att)) == att  # a bare signed attestation: signer recovered
    assert recover_signer(att) == SIGNER.address


def test_sdk_json_shape() -> None:
    sig = to_sdk_json(sign())

    assert list(sig) == ["version", "uid", "domain", "primaryType", "message", "types", "signature"]
    assert sig["domain"] == {
        "name": "EAS Attestation",
        "version": EAS_VERSION,
        "chainId": str(CHAIN_ID),
        "verifyingContract": EAS,
    }
    assert sig["message"]["time"] == str(TIME)
    assert sig["message"]["version"] == 2
    assert list(sig["signature"]) == ["v", "r", "s"]
    assert isinstance(sig["signature"]["v"], int)


def test_sdk_json_with_numbers_instead_of_strings_reads_the_same() -> None:
    att = sign()
    sig = to_sdk_json(att)
    sig["domain"]["chainId"] = CHAIN_ID
    sig["message"]["time"], sig["message"]["expirationTime"] = TIME, 0

    assert from_sdk_json({"sig": sig, "signer": att.signer}) == att


@pytest.mark.parametrize(
    "breakage",
    [
        lambda sig: sig.pop("message"),
        lambda sig: sig["types"]["Attest"].pop(),
        lambda sig: sig.update(primaryType="Attestation"),
        lambda sig: sig["domain"].update(name="EAS"),
        lambda sig: sig["message"].update(revocable="false"),
        lambda sig: sig["message"].update(data="0xzz"),
    ],
)
def test_malformed_sdk_json_is_rejected(breakage: Any) -> None:
    sig = to_sdk_json(sign())
    breakage(sig)

    with pytest.raises(ChainRejected):
        from_sdk_json({"sig": sig, "signer": SIGNER.address})


def test_share_link_round_trip() -> None:
    att = sign()
    url = offchain_url(att, "https://explorer.example/")

    assert url.startswith("https://explorer.example" + URL_PATH)
    assert "+" not in url.partition("=")[2]
    assert "/" not in url.partition("=")[2]
    assert attestation_from_url(url) == att
    assert decode_package(encode_package(att)) == att
    assert uncompact(compact(att)) == att


def test_compact_package_is_the_sdks_18_element_array() -> None:
    items = compact(sign())

    assert len(items) == 18
    assert items[:3] == [EAS_VERSION, str(CHAIN_ID), EAS]
    assert items[12:18] == ["0", False, "0x" + COMPLETION.encode().hex(), 0, 2, SALT]


def test_a_broken_share_link_is_rejected() -> None:
    with pytest.raises(ChainRejected):
        decode_package("bm90IHpsaWI=")
    with pytest.raises(ChainRejected):
        uncompact(["1.4.0"])

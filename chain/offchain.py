"""EAS off-chain attestations, EIP-712 version 2 (with salt), as the EAS SDK makes them.

Mirrors ``@ethereum-attestation-service/eas-sdk`` 2.10 (``offchain/offchain.js``):
the domain is named "EAS Attestation" and carries the EAS contract's own
``version()``; the ``Attest`` type lists its fields in the SDK's order; the UID
is the SDK's ``getOffchainUID`` for version 2. Anything that differs by one
byte gives another UID or signer, so these constants are not to be tidied.
The SDK's JSON shape and share link live in ``chain.offchain_json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError

from certflow.errors import ChainRejected
from chain.abi import ZERO_ADDRESS, ZERO_BYTES32, checksum, hex32, to_bytes32
from chain.transactions import Signer

#: The SDK's ``OffchainAttestationVersion.Version2``: typed data with ``version`` and ``salt``.
OFFCHAIN_VERSION = 2
#: The EIP-712 domain name of off-chain attestations (not "EAS", the on-chain delegation name).
DOMAIN_NAME = "EAS Attestation"
PRIMARY_TYPE = "Attest"
#: The SDK's version-2 ``Attest`` fields, in its order: the order is part of the type hash.
ATTEST_FIELDS: tuple[tuple[str, str], ...] = (
    ("version", "uint16"),
    ("schema", "bytes32"),
    ("recipient", "address"),
    ("time", "uint64"),
    ("expirationTime", "uint64"),
    ("revocable", "bool"),
    ("refUID", "bytes32"),
    ("data", "bytes"),
    ("salt", "bytes32"),
)
SALT_SIZE = 32
ZERO_UID = hex32(ZERO_BYTES32)
_UINT64 = 2**64


@dataclass(frozen=True)
class OffchainAttestation:
    """A signed off-chain attestation: its EIP-712 domain, message, signature and UID.

    ``schema``, ``ref_uid`` and ``salt`` keep the exact text that was signed,
    because the SDK hashes the schema's *text* into the UID (see ``offchain_uid``).
    """

    eas_address: str  # the domain's verifyingContract
    chain_id: int
    eas_version: str  # the domain's version: the EAS contract's version()
    schema: str
    recipient: str
    time: int
    expiration_time: int
    revocable: bool
    ref_uid: str
    data: bytes = field(repr=False)
    salt: str
    uid: str
    signer: str
    r: str
    s: str
    v: int
    version: int = OFFCHAIN_VERSION

    def message(self) -> dict[str, Any]:
        """The typed-data message, keys in the SDK's order."""
        return {
            "version": self.version,
            "schema": self.schema,
            "recipient": self.recipient,
            "time": self.time,
            "expirationTime": self.expiration_time,
            "revocable": self.revocable,
            "refUID": self.ref_uid,
            "data": "0x" + self.data.hex(),
            "salt": self.salt,
        }

    def domain(self) -> dict[str, Any]:
        return domain(self.eas_address, self.chain_id, self.eas_version)


def domain(eas_address: str, chain_id: int, eas_version: str) -> dict[str, Any]:
    """The EIP-712 domain the SDK signs under (its ``getDomainTypedData``)."""
    return {
        "name": DOMAIN_NAME,
        "version": eas_version,
        "chainId": chain_id,
        "verifyingContract": checksum(eas_address, "EAS address"),
    }


def attest_types() -> dict[str, list[dict[str, str]]]:
    """The ``types`` object exactly as the SDK writes it (no EIP712Domain entry)."""
    return {PRIMARY_TYPE: [{"name": name, "type": type_} for name, type_ in ATTEST_FIELDS]}


def offchain_uid(
    schema: str,
    recipient: str,
    time: int,
    expiration_time: int,
    revocable: bool,
    ref_uid: str,
    data: bytes,
    salt: str,
    version: int = OFFCHAIN_VERSION,
) -> str:
    """The SDK's ``Offchain.getOffchainUID`` for version 2.

    solidityPackedKeccak256 of (uint16 version, bytes schema, address recipient,
    address attester = 0, uint64 time, uint64 expirationTime, bool revocable,
    bytes32 refUID, bytes data, bytes32 salt, uint32 bump = 0). The SDK packs
    the schema as the UTF-8 bytes of its 0x-hex *text*, not the 32 bytes it
    names, and leaves the attester out (zero): both quirks are copied.
    """
    if version != OFFCHAIN_VERSION:
        raise ChainRejected(f"unsupported off-chain attestation version {version}")
    packed = b"".join(
        (
            version.to_bytes(2, "big"),
            schema.encode(),
            bytes.fromhex(checksum(recipient, "recipient")[2:]),
            bytes.fromhex(ZERO_ADDRESS[2:]),
            _uint64(time, "time"),
            _uint64(expiration_time, "expiration time"),
            bytes([bool(revocable)]),
            to_bytes32(ref_uid, "ref uid"),
            data,
            to_bytes32(salt, "salt"),
            (0).to_bytes(4, "big"),
        )
    )
    return hex32(keccak(packed))


def _uint64(value: int, what: str) -> bytes:
    if not 0 <= value < _UINT64:
        raise ChainRejected(f"invalid {what}: {value} is not a uint64")
    return value.to_bytes(8, "big")


def signable(
    eas_address: str, chain_id: int, eas_version: str, message: dict[str, Any]
) -> SignableMessage:
    """The EIP-712 digest input, as eth_account encodes it."""
    try:
        return encode_typed_data(
            domain_data=domain(eas_address, chain_id, eas_version),
            message_types=attest_types(),
            message_data=message,
        )
    except (ValueError, TypeError, OverflowError) as exc:
        raise ChainRejected(f"cannot encode off-chain attestation: {exc}") from exc


def sign_offchain(
    signer: Signer,
    eas_address: str,
    chain_id: int,
    eas_version: str,
    schema_uid: str,
    recipient: str,
    data: bytes,
    time: int,
    salt: str | bytes | None = None,
    *,
    expiration_time: int = 0,
    revocable: bool = False,
    ref_uid: str = ZERO_UID,
) -> OffchainAttestation:
    """Sign an off-chain attestation the way ``Offchain.signOffchainAttestation`` does.

    A random 32-byte salt is drawn when none is given, as the SDK does: it
    keeps two otherwise equal attestations from sharing a UID. ``revocable``
    defaults to False because certflow's schema is registered irrevocable.
    """
    salt_hex = hex32(to_bytes32(salt if salt is not None else os.urandom(SALT_SIZE), "salt"))
    fields: dict[str, Any] = {
        "eas_address": checksum(eas_address, "EAS address"),
        "chain_id": chain_id,
        "eas_version": eas_version,
        "schema": hex32(to_bytes32(schema_uid, "schema uid")),
        "recipient": checksum(recipient, "recipient"),
        "time": time,
        "expiration_time": expiration_time,
        "revocable": revocable,
        "ref_uid": hex32(to_bytes32(ref_uid, "ref uid")),
        "data": bytes(data),
        "salt": salt_hex,
    }
    unsigned = OffchainAttestation(**fields, uid="", signer="", r="", s="", v=0)
    signed = signer.account.sign_message(
        signable(eas_address, chain_id, eas_version, unsigned.message())
    )
    return OffchainAttestation(
        **fields,
        uid=_uid_of(unsigned),
        signer=signer.address,
        r=hex32(int(signed.r).to_bytes(32, "big")),
        s=hex32(int(signed.s).to_bytes(32, "big")),
        v=int(signed.v),
    )


def _uid_of(att: OffchainAttestation) -> str:
    return offchain_uid(
        att.schema,
        att.recipient,
        att.time,
        att.expiration_time,
        att.revocable,
        att.ref_uid,
        att.data,
        att.salt,
        att.version,
    )


def recover_signer(att: OffchainAttestation) -> str:
    """The address whose key made the signature over this domain and message."""
    digest = signable(att.eas_address, att.chain_id, att.eas_version, att.message())
    try:
        vrs = (att.v, int(att.r, 16), int(att.s, 16))
        return str(Account.recover_message(digest, vrs=vrs))
    except (ValueError, TypeError, BadSignature, ValidationError) as exc:
        raise ChainRejected(f"invalid off-chain attestation signature: {exc}") from exc


def verify_offchain(
    att: OffchainAttestation,
    expected_attester: str,
    eas_address: str,
    chain_id: int,
    eas_version: str,
) -> bool:
    """True when ``att`` is a version-2 attestation for this EAS, with the UID its
    fields give, signed by ``expected_attester``. Malformed input is False, not an error.

    Stricter than the SDK's verifier, which takes any domain version: a
    certificate must name the very EAS deployment certflow anchors on.
    """
    try:
        return (
            att.version == OFFCHAIN_VERSION
            and att.chain_id == chain_id
            and att.eas_version == eas_version
            and checksum(att.eas_address) == checksum(eas_address)
            and att.uid == _uid_of(att)  # the SDK compares the text, case included
            and checksum(att.signer) == checksum(expected_attester)
            and recover_signer(att) == checksum(expected_attester)
        )
    except ChainRejected:
        return False

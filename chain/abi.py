"""Plain ABI helpers: calldata, addresses, 32-byte ids, log topics.

Calldata is built with eth-abi from a fixed signature, so it can be built and
tested without a node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_typing import ChecksumAddress
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from certflow.errors import ChainRejected

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = b"\x00" * 32
MAX_UINT256 = 2**256 - 1


def selector(signature: str) -> bytes:
    """The 4-byte function selector of e.g. ``grantKeys(address[],uint256[],address[])``."""
    return keccak(text=signature)[:4]


def event_topic(signature: str) -> bytes:
    """topic0 of an event, e.g. ``Transfer(address,address,uint256)``."""
    return keccak(text=signature)


def calldata(signature: str, args: Sequence[Any]) -> bytes:
    """Selector plus ABI-encoded arguments; the types are read from the signature."""
    types = _split_types(signature[signature.index("(") + 1 : -1])
    try:
        return selector(signature) + encode(types, list(args))
    except (EncodingError, TypeError, ValueError) as exc:
        name = signature.partition("(")[0]
        raise ChainRejected(f"cannot encode {name} arguments: {exc}") from exc


def decode_values(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """ABI-decode ``data``; bad data is a ChainError."""
    try:
        return tuple(decode(list(types), data))
    except (DecodingError, TypeError, ValueError) as exc:
        raise ChainRejected(f"cannot decode {', '.join(types)}: {exc}") from exc


def _split_types(inner: str) -> list[str]:
    """Top-level comma split that respects nested tuples."""
    types: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            types.append(inner[start:i])
            start = i + 1
    if inner:
        types.append(inner[start:])
    return types


def checksum(address: str, what: str = "address") -> ChecksumAddress:
    """The checksummed address, or a ChainError naming what was wrong."""
    if not isinstance(address, str) or not is_address(address):
        raise ChainRejected(f"invalid {what}: {address!r}")
    return to_checksum_address(address)


def to_bytes32(value: str | bytes, what: str = "id") -> bytes:
    """A 32-byte id from 0x-hex or bytes."""
    raw = value if isinstance(value, bytes) else _fromhex(value, what)
    if len(raw) != 32:
        raise ChainRejected(f"invalid {what}: expected 32 bytes, got {len(raw)}")
    return raw


def _fromhex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError as exc:
        raise ChainRejected(f"invalid {what}: {value!r}") from exc


def hex32(value: bytes) -> str:
    """0x-hex of a 32-byte id (how uids and hashes are stored as text)."""
    return "0x" + value.hex()


def address_topic(address: str) -> bytes:
    """An address as an indexed-topic word."""
    return b"\x00" * 12 + bytes.fromhex(checksum(address)[2:])


def topic_address(topic: bytes) -> str:
    """The address in an indexed-topic word."""
    return str(to_checksum_address(topic[-20:]))

"""Anchoring off-chain attestation UIDs on EAS: timestamps and off-chain revocations.

EAS keeps one timestamp per 32-byte value (``timestamp`` / ``multiTimestamp``,
read back with ``getTimestamp``) and one revocation time per (revoker, value)
(``revokeOffchain`` / ``multiRevokeOffchain``, read with ``getRevokeOffchain``).
Stamping a value twice reverts the whole call with ``AlreadyTimestamped``, so
a batch sender filters out UIDs already anchored (``unanchored``) first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.abi import (
    calldata,
    checksum,
    event_topic,
    hex32,
    to_bytes32,
    topic_address,
)
from chain.attestation import eas_contract
from chain.logs import LogScan, get_logs
from chain.rpc import chain_errors

TIMESTAMP = "timestamp(bytes32)"
MULTI_TIMESTAMP = "multiTimestamp(bytes32[])"
REVOKE_OFFCHAIN = "revokeOffchain(bytes32)"
MULTI_REVOKE_OFFCHAIN = "multiRevokeOffchain(bytes32[])"
#: Both arguments are indexed: the UID and the time are topics 1 and 2, data is empty.
TIMESTAMPED = event_topic("Timestamped(bytes32,uint64)")
REVOKED_OFFCHAIN = event_topic("RevokedOffchain(address,bytes32,uint64)")


def _uids(uids: Sequence[str | bytes]) -> list[bytes]:
    return [to_bytes32(uid, "attestation uid") for uid in uids]


def timestamp_calldata(uid: str | bytes) -> bytes:
    """Calldata of ``EAS.timestamp``: anchor one UID at the block's time."""
    return calldata(TIMESTAMP, [to_bytes32(uid, "attestation uid")])


def multi_timestamp_calldata(uids: Sequence[str | bytes]) -> bytes:
    """Calldata of ``EAS.multiTimestamp``: anchor a batch of UIDs in one transaction."""
    return calldata(MULTI_TIMESTAMP, [_uids(uids)])


def revoke_offchain_calldata(uid: str | bytes) -> bytes:
    """Calldata of ``EAS.revokeOffchain``: the sender revokes one off-chain UID."""
    return calldata(REVOKE_OFFCHAIN, [to_bytes32(uid, "attestation uid")])


def multi_revoke_offchain_calldata(uids: Sequence[str | bytes]) -> bytes:
    """Calldata of ``EAS.multiRevokeOffchain``."""
    return calldata(MULTI_REVOKE_OFFCHAIN, [_uids(uids)])


@dataclass(frozen=True)
class TimestampedEvent:
    """A ``Timestamped`` log: this UID was anchored at this block time."""

    uid: str
    timestamp: int
    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class RevokedOffchainEvent:
    """A ``RevokedOffchain`` log: ``revoker`` revoked this UID at this block time."""

    revoker: str
    uid: str
    timestamp: int
    tx_hash: str
    block_number: int


def _logs(receipt: Mapping[str, Any], eas_address: str, topic0: bytes) -> list[Mapping[str, Any]]:
    eas_address = checksum(eas_address, "EAS address")
    return [
        log
        for log in receipt["logs"]
        if checksum(log["address"]) == eas_address
        and log["topics"]
        and bytes(log["topics"][0]) == topic0
    ]


def parse_timestamped(receipt: Mapping[str, Any], eas_address: str) -> list[TimestampedEvent]:
    """The ``Timestamped`` events an EAS contract emitted in a receipt, in log order."""
    return [_timestamped(log) for log in _logs(receipt, eas_address, TIMESTAMPED)]


def _timestamped(log: Mapping[str, Any]) -> TimestampedEvent:
    return TimestampedEvent(
        uid=hex32(bytes(log["topics"][1])),
        timestamp=int.from_bytes(bytes(log["topics"][2]), "big"),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        block_number=int(log["blockNumber"]),
    )


def parse_revoked_offchain(
    receipt: Mapping[str, Any], eas_address: str
) -> list[RevokedOffchainEvent]:
    """The ``RevokedOffchain`` events an EAS contract emitted in a receipt, in log order."""
    return [
        RevokedOffchainEvent(
            revoker=topic_address(bytes(log["topics"][1])),
            uid=hex32(bytes(log["topics"][2])),
            timestamp=int.from_bytes(bytes(log["topics"][3]), "big"),
            tx_hash="0x" + bytes(log["transactionHash"]).hex(),
            block_number=int(log["blockNumber"]),
        )
        for log in _logs(receipt, eas_address, REVOKED_OFFCHAIN)
    ]


def eas_version(w3: Web3, eas_address: str) -> str:
    """The EAS contract's ``version()``: the version of the off-chain EIP-712 domain."""
    with chain_errors("reading EAS version"):
        return str(eas_contract(w3, eas_address).functions.version().call())


def get_timestamp(w3: Web3, eas_address: str, uid: str | bytes) -> int:
    """When ``uid`` was anchored (unix seconds), or 0 when it never was."""
    contract = eas_contract(w3, eas_address)
    with chain_errors("reading timestamp"):
        return int(contract.functions.getTimestamp(to_bytes32(uid, "attestation uid")).call())


def unanchored(w3: Web3, eas_address: str, uids: Sequence[str]) -> list[str]:
    """The UIDs not yet timestamped, in order: what a (re)sent ``multiTimestamp`` may hold."""
    return [uid for uid in uids if get_timestamp(w3, eas_address, uid) == 0]


def get_revoke_offchain(w3: Web3, eas_address: str, revoker: str, uid: str | bytes) -> int:
    """When ``revoker`` revoked ``uid`` off-chain (unix seconds), or 0 when it did not."""
    contract = eas_contract(w3, eas_address)
    with chain_errors("reading off-chain revocation"):
        raw = contract.functions.getRevokeOffchain(
            checksum(revoker, "revoker"), to_bytes32(uid, "attestation uid")
        ).call()
    return int(raw)


def find_timestamps(
    w3: Web3,
    eas_address: str,
    uids: Sequence[str],
    from_block: int = 0,
    *,
    scan: LogScan | None = None,
) -> list[TimestampedEvent]:
    """The ``Timestamped`` events of these UIDs: which transaction anchored each.

    Topics OR-match the whole list. With ``scan``, the query goes from the
    scan's start (else the contract's deployment) in bounded chunks, as a
    public node requires; without, one query from ``from_block``.
    """
    topics: list[Any] = [TIMESTAMPED, [to_bytes32(uid, "attestation uid") for uid in uids]]
    if scan is not None:
        return [_timestamped(log) for log in get_logs(w3, eas_address, topics, scan)]
    with chain_errors("reading timestamp logs"):
        logs = list(
            w3.eth.get_logs(
                {
                    "address": checksum(eas_address, "EAS address"),
                    "topics": topics,
                    "fromBlock": from_block,
                    "toBlock": "latest",
                }
            )
        )
    return [_timestamped(log) for log in logs]

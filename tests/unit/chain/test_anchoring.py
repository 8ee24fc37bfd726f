"""Anchoring calldata and logs, checked against the EAS ABI shipped in node_modules."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from web3 import Web3

from certflow.errors import ChainRejected
from chain import contracts
from chain.abi import address_topic, selector
from chain.anchoring import (
    MULTI_REVOKE_OFFCHAIN,
    MULTI_TIMESTAMP,
    REVOKE_OFFCHAIN,
    TIMESTAMP,
    multi_revoke_offchain_calldata,
    multi_timestamp_calldata,
    parse_revoked_offchain,
    parse_timestamped,
    revoke_offchain_calldata,
    timestamp_calldata,
)

EAS = Web3.to_checksum_address("0x" + "c3" * 20)
OTHER = Web3.to_checksum_address("0x" + "d4" * 20)
REVOKER = Web3.to_checksum_address("0x" + "b2" * 20)
UIDS = ["0x" + f"{i:02x}" * 32 for i in range(1, 4)]


def test_signatures_are_functions_of_the_shipped_eas_abi() -> None:
    shipped = {
        f"{item['name']}({','.join(arg['type'] for arg in item['inputs'])})"
        for item in contracts.eas().abi
        if item.get("type") == "function"
    }
    assert {TIMESTAMP, MULTI_TIMESTAMP, REVOKE_OFFCHAIN, MULTI_REVOKE_OFFCHAIN} <= shipped


def test_calldata_is_the_selector_and_the_abi_encoded_uids() -> None:
    raw = [bytes.fromhex(uid[2:]) for uid in UIDS]

    assert timestamp_calldata(UIDS[0]) == selector(TIMESTAMP) + raw[0]
    assert revoke_offchain_calldata(raw[0]) == selector(REVOKE_OFFCHAIN) + raw[0]
    assert multi_timestamp_calldata(UIDS) == selector(MULTI_TIMESTAMP) + encode(
        ["bytes32[]"], [raw]
    )
    assert multi_revoke_offchain_calldata(UIDS) == selector(MULTI_REVOKE_OFFCHAIN) + encode(
        ["bytes32[]"], [raw]
    )


def test_a_uid_that_is_not_32_bytes_is_rejected() -> None:
    with pytest.raises(ChainRejected):
        multi_timestamp_calldata(["0x1234"])


def log(address: str, topics: list[bytes]) -> dict[str, Any]:
    return {
        "address": address,
        "topics": topics,
        "data": b"",
        "transactionHash": b"\x07" * 32,
        "blockNumber": 12,
    }


def event_topic_of(name: str) -> bytes:
    [item] = [i for i in contracts.eas().abi if i.get("type") == "event" and i["name"] == name]
    types = ",".join(arg["type"] for arg in item["inputs"])
    return Web3.keccak(text=f"{name}({types})")


def test_parse_timestamped_reads_uid_and_time_from_this_eas_only() -> None:
    topic0 = event_topic_of("Timestamped")
    when = (1_735_689_600).to_bytes(32, "big")
    receipt = {
        "logs": [
            log(EAS, [topic0, bytes.fromhex(UIDS[0][2:]), when]),
            log(OTHER, [topic0, bytes.fromhex(UIDS[1][2:]), when]),
            log(EAS, [event_topic_of("RevokedOffchain")]),
        ]
    }

    [event] = parse_timestamped(receipt, EAS)

    assert (event.uid, event.timestamp, event.block_number) == (UIDS[0], 1_735_689_600, 12)
    assert event.tx_hash == "0x" + "07" * 32


def test_parse_revoked_offchain_reads_revoker_uid_and_time() -> None:
    topic0 = event_topic_of("RevokedOffchain")
    topics = [topic0, address_topic(REVOKER), bytes.fromhex(UIDS[2][2:]), (99).to_bytes(32, "big")]

    [event] = parse_revoked_offchain({"logs": [log(EAS, topics)]}, EAS)

    assert (event.revoker, event.uid, event.timestamp) == (REVOKER, UIDS[2], 99)

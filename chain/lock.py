"""Unlock PublicLock: key checks, grantKeys calldata, minted keys from receipts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from hexbytes import HexBytes
from web3 import Web3

from chain import contracts
from chain.abi import (
    MAX_UINT256,
    ZERO_ADDRESS,
    address_topic,
    calldata,
    checksum,
    event_topic,
    selector,
    topic_address,
)
from chain.logs import LogScan, get_logs
from chain.rpc import chain_errors

GRANT_KEYS = "grantKeys(address[],uint256[],address[])"
_TOTAL_KEYS = selector("totalKeys(address)")
_HAS_VALID_KEY = selector("getHasValidKey(address)")
EXPIRE_AND_REFUND = "expireAndRefundFor(uint256,uint256)"
TRANSFER = event_topic("Transfer(address,address,uint256)")
#: A key that never expires.
NEVER_EXPIRES = MAX_UINT256


def lock_contract(w3: Web3, lock: str) -> Any:
    """A web3 contract object for the PublicLock at ``lock``."""
    return w3.eth.contract(address=checksum(lock, "lock address"), abi=contracts.public_lock().abi)


def has_valid_key(w3: Web3, lock: str, owner: str) -> bool:
    """``getHasValidKey(owner)``: does the learner hold an unexpired key?"""
    contract = lock_contract(w3, lock)
    with chain_errors("checking key"):
        return bool(contract.functions.getHasValidKey(checksum(owner, "wallet address")).call())


def total_keys(w3: Web3, lock: str, owner: str) -> int:
    """Every key the owner holds on the lock, expired ones included.

    The lock refuses a grant to an owner with as many keys as its per-address
    maximum by this count (``totalKeys``), not by ``getHasValidKey``.
    """
    contract = lock_contract(w3, lock)
    with chain_errors("counting keys"):
        return int(contract.functions.totalKeys(checksum(owner, "wallet address")).call())


def total_keys_many(w3: Web3, lock: str, owners: Sequence[str], chunk: int = 100) -> list[int]:
    """``total_keys`` for many owners, in JSON-RPC batches of ``chunk`` calls.

    One HTTP request per chunk instead of one per owner: checking a batch of
    150 costs two round trips, and a rate-limited provider is asked far less.
    """
    return _call_many(w3, lock, _TOTAL_KEYS, owners, chunk, "counting keys")


def has_valid_key_many(w3: Web3, lock: str, owners: Sequence[str], chunk: int = 250) -> list[bool]:
    """``has_valid_key`` for many owners, ``chunk`` ``eth_call``s per HTTP request."""
    words = _call_many(w3, lock, _HAS_VALID_KEY, owners, chunk, "checking keys")
    return [word != 0 for word in words]


def _call_many(
    w3: Web3, lock: str, function: bytes, owners: Sequence[str], chunk: int, doing: str
) -> list[int]:
    """A one-address view ``function`` of the lock for every owner, as integers.

    Plain ``eth_call``s with calldata built here: web3's contract functions
    validate the ABI and hash the selector again for every owner, which for a
    burst of grants (or a cohort's retry) cost more CPU than the calls themselves.
    """
    target = checksum(lock, "lock address")
    words: list[int] = []
    for start in range(0, len(owners), chunk):
        part = [checksum(owner, "wallet address") for owner in owners[start : start + chunk]]
        with chain_errors(doing), w3.batch_requests() as batch:
            for owner in part:
                call = {"to": target, "data": HexBytes(function + _address_word(owner))}
                batch.add(w3.eth.call(cast(Any, call)))
            words += [int.from_bytes(bytes(cast(bytes, value)), "big") for value in batch.execute()]
    return words


def _address_word(address: str) -> bytes:
    return bytes.fromhex(address[2:]).rjust(32, b"\x00")


def is_lock_manager(w3: Web3, lock: str, account: str) -> bool:
    """Whether ``account`` may grant keys on ``lock``."""
    contract = lock_contract(w3, lock)
    with chain_errors("checking lock manager"):
        return bool(contract.functions.isLockManager(checksum(account)).call())


def grant_keys_calldata(
    recipients: Sequence[str], key_manager: str, expiration: int = NEVER_EXPIRES
) -> bytes:
    """Calldata of ``grantKeys`` for a batch, one key per recipient.

    The key manager (the lock manager) keeps the right to move keys, so a
    learner cannot transfer a certificate away. A recipient that already holds
    a key makes the whole batch revert: check ``has_valid_key`` first.
    """
    owners = [checksum(recipient, "wallet address") for recipient in recipients]
    manager = checksum(key_manager, "key manager")
    return calldata(GRANT_KEYS, [owners, [expiration] * len(owners), [manager] * len(owners)])


def valid_key_token(w3: Web3, lock: str, owner: str) -> int | None:
    """The token id of the owner's valid key, or None when they hold none."""
    contract = lock_contract(w3, lock)
    owner = checksum(owner, "wallet address")
    with chain_errors("looking up key"):
        if not contract.functions.getHasValidKey(owner).call():
            return None
        return int(contract.functions.tokenOfOwnerByIndex(owner, 0).call())


def expire_key_calldata(token_id: int) -> bytes:
    """Calldata of ``expireAndRefundFor(token, 0)``: the lock manager ends a key, refunding nothing.

    Certificate keys are granted free, so there is nothing to refund.
    """
    return calldata(EXPIRE_AND_REFUND, [token_id, 0])


def _is_transfer(log: Mapping[str, Any], lock: str) -> bool:
    topics = log["topics"]
    return checksum(log["address"]) == lock and len(topics) == 4 and bytes(topics[0]) == TRANSFER


def parse_key_transfers(receipt: Mapping[str, Any], lock: str) -> dict[str, int]:
    """Keys minted in a receipt: recipient (checksummed) to token id."""
    lock = checksum(lock, "lock address")
    minted: dict[str, int] = {}
    for log in receipt["logs"]:
        if _is_transfer(log, lock) and topic_address(bytes(log["topics"][1])) == ZERO_ADDRESS:
            minted[topic_address(bytes(log["topics"][2]))] = int.from_bytes(log["topics"][3])
    return minted


@dataclass(frozen=True)
class KeyRecord:
    """A key an owner holds, with the transaction that gave it to them."""

    owner: str
    token_id: int
    tx_hash: str
    block_number: int


def find_key(w3: Web3, lock: str, owner: str, scan: LogScan | None = None) -> KeyRecord | None:
    """The owner's key and the real transaction that minted or moved it to them.

    For reconciliation: a key found on chain is recorded with its true hash,
    never a placeholder.
    """
    contract = lock_contract(w3, lock)
    owner = checksum(owner, "wallet address")
    with chain_errors("looking up key"):
        if int(contract.functions.balanceOf(owner).call()) == 0:
            return None
        token_id = int(contract.functions.tokenOfOwnerByIndex(owner, 0).call())
    topics = [
        HexBytes(TRANSFER),
        None,
        HexBytes(address_topic(owner)),
        HexBytes(token_id.to_bytes(32)),
    ]
    logs = get_logs(w3, lock, topics, scan or LogScan())
    if not logs:
        return None
    last = logs[-1]
    return KeyRecord(
        owner=owner,
        token_id=token_id,
        tx_hash="0x" + bytes(last["transactionHash"]).hex(),
        block_number=int(last["blockNumber"]),
    )

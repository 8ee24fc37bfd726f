"""Chain-side transaction code: the signer, gas and fees, broadcast, receipts.

No database here. ``issuance.transactions.sender.TransactionSender`` is what workers use:
it commits each signed transaction (and its nonce) to Postgres before
calling ``broadcast``. ``send_direct`` is for one-off scripts that own the
signer and need no bookkeeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from pydantic import SecretStr
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import TxParams, TxReceipt

from certflow.errors import (
    ChainRejected,
    ChainUnavailable,
    ConfigError,
    NonceConflict,
)
from certflow.settings import Settings
from chain.fees import fee_fields
from chain.rpc import chain_errors

#: Gas headroom over the node's estimate (state can change before mining).
GAS_HEADROOM = 1.2
#: Node messages that mean "this exact transaction is already there".
_ALREADY_SENT = ("already known", "already imported", "known transaction")
#: Node messages that mean "this nonce is taken" (by us, or by something else).
_NONCE_USED = ("nonce too low", "nonce has already been used", "already used")


@dataclass(frozen=True)
class Signer:
    """The signing account. Its repr never shows the key."""

    address: ChecksumAddress
    account: LocalAccount = field(repr=False)

    @classmethod
    def from_key(cls, key: SecretStr | str) -> Signer:
        secret = key.get_secret_value() if isinstance(key, SecretStr) else key
        try:
            account: LocalAccount = Account.from_key(secret)
        except (ValueError, TypeError):
            # The message of the original error may quote the key: drop it.
            raise ConfigError("SIGNER_PRIVATE_KEY is not a valid private key") from None
        return cls(account.address, account)

    @classmethod
    def from_settings(cls, settings: Settings) -> Signer:
        settings.require("signer_private_key")
        assert settings.signer_private_key is not None  # for mypy; require() checked it
        return cls.from_key(settings.signer_private_key)

    def sign(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        """The raw signed bytes and the transaction hash (0x hex)."""
        signed = self.account.sign_transaction(tx)
        return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


@dataclass(frozen=True)
class SentTransaction:
    """A mined, successful transaction and its receipt."""

    tx_hash: str
    nonce: int
    block_number: int
    gas_used: int
    receipt: TxReceipt = field(repr=False)


# ---------------------------------------------------------------- node helpers


def gas_needed(w3: Web3, sender: str, to: str | None, data: bytes, value: int = 0) -> int:
    """The node's estimate, as is: ChainReverted if the call would revert,
    BatchTooLarge if it needs more gas than a block holds."""
    tx: dict[str, Any] = {
        "from": Web3.to_checksum_address(sender),
        "data": HexBytes(data),
        "value": value,
    }
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    with chain_errors("estimating gas"):
        return int(w3.eth.estimate_gas(cast(TxParams, tx)))


def block_gas_limit(w3: Web3) -> int:
    with chain_errors("reading block gas limit"):
        return int(w3.eth.get_block("latest")["gasLimit"])


def estimate_gas(
    w3: Web3, sender: str, to: str | None, data: bytes, value: int = 0, *, known: int | None = None
) -> int:
    """The node's estimate plus headroom, never above the block gas limit.

    A transaction that would revert fails here, before a nonce is spent.
    ``known``: the node's estimate for this very call, already asked for
    (a batch's screening): a multiAttest estimate costs the node a full run.
    """
    estimate = gas_needed(w3, sender, to, data, value) if known is None else known
    return min(int(estimate * GAS_HEADROOM), block_gas_limit(w3))


def build_transaction(
    w3: Web3,
    signer: Signer,
    to: str | None,
    data: bytes,
    *,
    nonce: int,
    chain_id: int,
    value: int = 0,
    estimate: int | None = None,
) -> dict[str, Any]:
    """An unsigned EIP-1559 transaction with estimated gas and node fees.

    ``estimate``: the node's gas estimate for this call, if the caller has it.
    """
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "value": value,
        "data": HexBytes(data),
        "gas": estimate_gas(w3, signer.address, to, data, value, known=estimate),
        **fee_fields(w3),
    }
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    return tx


def broadcast(w3: Web3, raw_tx: bytes, tx_hash: str) -> None:
    """Send signed bytes; a node that already has this very transaction is fine.

    NonceConflict when the nonce was used by a transaction other than this one
    (a stray send, or another of our replacements): the caller decides.
    """
    with chain_errors("broadcasting"):
        try:
            w3.eth.send_raw_transaction(raw_tx)
        except Web3RPCError as exc:
            text = str(exc).lower()
            if any(needle in text for needle in _ALREADY_SENT):
                return
            if not any(needle in text for needle in _NONCE_USED):
                raise
            if not node_knows(w3, tx_hash):
                raise NonceConflict(
                    f"transaction {tx_hash}: its nonce was used by another transaction"
                ) from None


def node_knows(w3: Web3, tx_hash: str) -> bool:
    """Whether the node has this transaction (pending or mined)."""
    with chain_errors("looking up transaction"):
        try:
            w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
    return True


def account_nonce(w3: Web3, address: str, block: str = "latest") -> int:
    """The account's next nonce as the node sees it (``latest``: mined only)."""
    with chain_errors("reading nonce"):
        return int(w3.eth.get_transaction_count(Web3.to_checksum_address(address), block))  # type: ignore[arg-type]


def block_number(w3: Web3) -> int:
    with chain_errors("reading block number"):
        return int(w3.eth.block_number)


def unsigned_from_raw(raw_tx: bytes) -> dict[str, Any]:
    """The fields of a signed EIP-1559 transaction, ready to sign again (new nonce or fees)."""
    from eth_account.typed_transactions.typed_transaction import TypedTransaction

    fields = dict(TypedTransaction.from_bytes(HexBytes(raw_tx)).as_dict())
    for name in ("v", "r", "s"):
        fields.pop(name, None)
    fields["type"] = 2
    if not fields.get("to"):
        fields.pop("to", None)  # a contract creation
    else:
        fields["to"] = Web3.to_checksum_address(fields["to"])
    fields["data"] = HexBytes(fields.get("data", b""))
    fields.pop("accessList", None)
    return fields


def fetch_receipt(w3: Web3, tx_hash: str) -> TxReceipt | None:
    """The receipt, or None while the transaction is not mined."""
    with chain_errors("reading receipt"):
        try:
            return w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None


def wait_for_receipt(
    w3: Web3,
    tx_hash: str,
    *,
    timeout: float,
    poll: float = 0.05,
    on_slow: Callable[[], object] | None = None,
    slow_after: float = 3.0,
) -> TxReceipt:
    """Poll for the receipt; ``on_slow`` runs every ``slow_after`` seconds of waiting."""
    deadline = time.monotonic() + timeout
    next_slow = time.monotonic() + slow_after
    while True:
        receipt = fetch_receipt(w3, tx_hash)
        if receipt is not None:
            return receipt
        now = time.monotonic()
        if now >= deadline:
            raise ChainUnavailable(f"transaction {tx_hash} not mined after {timeout:g}s")
        if on_slow is not None and now >= next_slow:
            on_slow()
            next_slow = now + slow_after
        time.sleep(poll)


def sent_transaction(tx_hash: str, nonce: int, receipt: TxReceipt) -> SentTransaction:
    return SentTransaction(
        tx_hash=tx_hash,
        nonce=nonce,
        block_number=int(receipt["blockNumber"]),
        gas_used=int(receipt["gasUsed"]),
        receipt=receipt,
    )


def send_direct(
    w3: Web3,
    signer: Signer,
    to: str | None,
    data: bytes,
    *,
    value: int = 0,
    timeout: float = 60.0,
) -> SentTransaction:
    """Sign and send with the node's pending nonce, no database.

    Only for one-off scripts (dev deployment, schema registration, benches)
    where one process owns the signer; workers use TransactionSender.
    """
    with chain_errors("reading nonce"):
        nonce = int(
            w3.eth.get_transaction_count(Web3.to_checksum_address(signer.address), "pending")
        )
        chain_id = int(w3.eth.chain_id)
    raw, tx_hash = signer.sign(
        build_transaction(w3, signer, to, data, nonce=nonce, chain_id=chain_id, value=value)
    )
    broadcast(w3, raw, tx_hash)
    receipt = wait_for_receipt(w3, tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        raise ChainRejected(f"transaction {tx_hash} reverted in block {receipt['blockNumber']}")
    return sent_transaction(tx_hash, nonce, receipt)

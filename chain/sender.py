"""The one transaction sender: sign locally, commit, then broadcast.

Every transaction certflow sends goes through here. Nonces come from a
counter row in Postgres, so any number of worker processes can share the
signer. The signed bytes and their hash are committed to
``chain_transactions`` before ``eth_sendRawTransaction``; a retry (same
``intent_key``) rebroadcasts those bytes instead of signing anew, so a crash
anywhere leaves at most one transaction per intent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from pydantic import SecretStr
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import TxParams, TxReceipt

from certflow.errors import ChainError, ChainUnavailable, ConfigError, DatabaseError
from certflow.errors import DatabaseUnavailable as _DatabaseUnavailable
from certflow.settings import Settings
from chain.rpc import chain_errors

#: Gas headroom over the node's estimate (state can change before mining).
GAS_HEADROOM = 1.2
#: Node messages that mean "this exact transaction is already there".
_ALREADY_SENT = ("already known", "already imported", "known transaction", "nonce too low")

Connect = Callable[[], "psycopg.Connection[Any]"]


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
class ChainTransaction:
    """One row of ``chain_transactions``."""

    id: int
    intent: str
    intent_key: str
    nonce: int
    to_address: str
    raw_tx: bytes
    tx_hash: str
    status: str
    receipt_block: int | None
    gas_used: int | None
    error: str | None


@dataclass(frozen=True)
class SentTransaction:
    """A mined, successful transaction and its receipt."""

    tx_hash: str
    nonce: int
    block_number: int
    gas_used: int
    receipt: TxReceipt = field(repr=False)


# ---------------------------------------------------------------- node helpers


def fee_fields(w3: Web3) -> dict[str, int]:
    """EIP-1559 fees from the node: tip as suggested, cap at twice the base fee plus tip."""
    with chain_errors("reading fees"):
        base = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
        tip = int(w3.eth.max_priority_fee)
    return {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base + tip}


def estimate_gas(w3: Web3, sender: str, to: str | None, data: bytes, value: int = 0) -> int:
    """The node's estimate plus headroom, never above the block gas limit.

    A transaction that would revert fails here, before a nonce is spent.
    """
    tx: dict[str, Any] = {
        "from": Web3.to_checksum_address(sender),
        "data": HexBytes(data),
        "value": value,
    }
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    with chain_errors("estimating gas"):
        estimate = int(w3.eth.estimate_gas(cast(TxParams, tx)))
        block_limit = int(w3.eth.get_block("latest")["gasLimit"])
    return min(int(estimate * GAS_HEADROOM), block_limit)


def build_transaction(
    w3: Web3,
    signer: Signer,
    to: str | None,
    data: bytes,
    *,
    nonce: int,
    chain_id: int,
    value: int = 0,
) -> dict[str, Any]:
    """An unsigned EIP-1559 transaction with estimated gas and node fees."""
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "value": value,
        "data": HexBytes(data),
        "gas": estimate_gas(w3, signer.address, to, data, value),
        **fee_fields(w3),
    }
    if to is not None:
        tx["to"] = Web3.to_checksum_address(to)
    return tx


def broadcast(w3: Web3, raw_tx: bytes, tx_hash: str) -> None:
    """Send signed bytes; a node that already has this very transaction is fine."""
    with chain_errors("broadcasting"):
        try:
            w3.eth.send_raw_transaction(raw_tx)
        except Web3RPCError as exc:
            if not any(text in str(exc).lower() for text in _ALREADY_SENT):
                raise
            if not _node_knows(w3, tx_hash):
                # The nonce was used by a different transaction: ours can never mine.
                raise ChainRejected(
                    f"transaction {tx_hash} cannot be mined: its nonce was used by another"
                ) from exc


def _node_knows(w3: Web3, tx_hash: str) -> bool:
    try:
        w3.eth.get_transaction(HexBytes(tx_hash))
    except TransactionNotFound:
        return False
    return True


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


def _sent(tx_hash: str, nonce: int, receipt: TxReceipt) -> SentTransaction:
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
    return _sent(tx_hash, nonce, receipt)


# ------------------------------------------------------------ the DB-backed sender

_COLUMNS = (
    "id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,"
    " receipt_block, gas_used, error"
)


def _row(values: tuple[Any, ...]) -> ChainTransaction:
    tx_id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status, block, gas, error = (
        values
    )
    return ChainTransaction(
        id=tx_id,
        intent=intent,
        intent_key=intent_key,
        nonce=nonce,
        to_address=to_address,
        raw_tx=bytes(raw_tx),
        tx_hash=tx_hash,
        status=status,
        receipt_block=block,
        gas_used=gas,
        error=error,
    )


class _LostRace(Exception):
    """Another process committed the same intent_key first."""


class TransactionSender:
    """Sends transactions for one signer with Postgres-allocated nonces.

    ``connect`` opens a new psycopg connection; each call uses its own, so one
    sender may be shared by threads.
    """

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        connect: Connect,
        chain_id: int,
        receipt_timeout: float = 60.0,
        nudge: Callable[[], object] | None = None,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.connect = connect
        self.chain_id = chain_id
        self.receipt_timeout = receipt_timeout
        #: Called while a receipt is slow, after the rebroadcast (dev chains: mine a block).
        self.nudge = nudge

    @classmethod
    def from_settings(cls, settings: Settings, w3: Web3, connect: Connect) -> TransactionSender:
        return cls(w3, Signer.from_settings(settings), connect, settings.chain_id)

    # -- public API

    def send(self, intent: str, intent_key: str, to: str, data: bytes) -> SentTransaction:
        """Send once per ``intent_key`` and wait until mined; safe to call again after any crash.

        Raises ChainError when the transaction reverts (or would revert) and
        ChainUnavailable when the node does not answer or mine in time.
        """
        return self.complete(self.prepare(intent, intent_key, to, data))

    def prepare(self, intent: str, intent_key: str, to: str, data: bytes) -> ChainTransaction:
        """The committed, signed transaction for ``intent_key`` (signing it if new)."""
        existing = self.find(intent_key)
        if existing is not None:
            return existing
        tx = build_transaction(self.w3, self.signer, to, data, nonce=0, chain_id=self.chain_id)
        try:
            return self._sign_and_store(intent, intent_key, tx)
        except _LostRace:
            winner = self.find(intent_key)
            assert winner is not None  # the race was lost to a committed row
            return winner

    def complete(self, tx: ChainTransaction) -> SentTransaction:
        """Broadcast a committed transaction (again) and wait for its receipt."""
        if tx.status == "failed":
            raise ChainRejected(tx.error or f"{tx.intent} transaction {tx.tx_hash} failed")
        if tx.status != "mined":
            broadcast(self.w3, tx.raw_tx, tx.tx_hash)
            self._mark(tx.id, "broadcast")
        receipt = wait_for_receipt(
            self.w3,
            tx.tx_hash,
            timeout=self.receipt_timeout,
            on_slow=lambda: self._on_slow(tx.nonce),
        )
        if receipt["status"] != 1:
            error = (
                f"{tx.intent} transaction {tx.tx_hash} reverted in block {receipt['blockNumber']}"
            )
            self._mark(tx.id, "failed", receipt, error)
            raise ChainRejected(error)
        self._mark(tx.id, "mined", receipt)
        return _sent(tx.tx_hash, tx.nonce, receipt)

    def find(self, intent_key: str) -> ChainTransaction | None:
        """The transaction already committed for ``intent_key``, if any."""
        with self._db() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM public.chain_transactions WHERE intent_key = %s",
                (intent_key,),
            ).fetchone()
        return None if row is None else _row(row)

    def pending(self, below_nonce: int | None = None) -> list[ChainTransaction]:
        """Signed or broadcast transactions not yet seen mined, lowest nonce first."""
        with self._db() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM public.chain_transactions"
                " WHERE chain_id = %s AND signer = %s AND status IN ('signed', 'broadcast')"
                " AND nonce < coalesce(%s, nonce + 1) ORDER BY nonce",
                (self.chain_id, self.signer.address, below_nonce),
            ).fetchall()
        return [_row(row) for row in rows]

    def rebroadcast_pending(self, below_nonce: int | None = None) -> int:
        """Rebroadcast every unmined transaction (a crash may have left a nonce gap).

        Returns how many were sent. The reconciler calls this periodically.
        """
        count = 0
        for tx in self.pending(below_nonce):
            receipt = fetch_receipt(self.w3, tx.tx_hash)
            if receipt is None:
                broadcast(self.w3, tx.raw_tx, tx.tx_hash)
                self._mark(tx.id, "broadcast")
                count += 1
        return count

    # -- internals

    def _on_slow(self, nonce: int) -> None:
        self.rebroadcast_pending(below_nonce=nonce)
        if self.nudge is not None:
            self.nudge()

    def _db(self) -> psycopg.Connection[Any]:
        try:
            return self.connect()
        except psycopg.OperationalError as exc:
            raise _DatabaseUnavailable(f"cannot connect to the database: {exc}") from exc

    def _sign_and_store(self, intent: str, intent_key: str, tx: dict[str, Any]) -> ChainTransaction:
        try:
            with self._db() as conn, conn.transaction():
                tx["nonce"] = self._allocate_nonce(conn)
                raw, tx_hash = self.signer.sign(tx)
                row = conn.execute(
                    "INSERT INTO public.chain_transactions (intent, intent_key, signer, chain_id,"
                    " nonce, to_address, raw_tx, tx_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    f" ON CONFLICT (intent_key) DO NOTHING RETURNING {_COLUMNS}",
                    (
                        intent,
                        intent_key,
                        self.signer.address,
                        self.chain_id,
                        tx["nonce"],
                        tx.get("to"),
                        raw,
                        tx_hash,
                    ),
                ).fetchone()
                if row is None:
                    raise _LostRace  # rolls back, so the nonce goes back to the counter
                return _row(row)
        except psycopg.Error as exc:
            raise _database_error(exc) from exc

    def _allocate_nonce(self, conn: psycopg.Connection[Any]) -> int:
        args = (self.chain_id, self.signer.address)
        row = conn.execute("SELECT public.chain_allocate_nonce(%s, %s)", args).fetchone()
        if row is None or row[0] is None:
            with chain_errors("reading nonce"):
                pending = self.w3.eth.get_transaction_count(
                    Web3.to_checksum_address(self.signer.address), "pending"
                )
            conn.execute("SELECT public.chain_init_nonce(%s, %s, %s)", (*args, int(pending)))
            row = conn.execute("SELECT public.chain_allocate_nonce(%s, %s)", args).fetchone()
        assert row is not None  # the counter exists now
        return int(row[0])

    def _mark(
        self, tx_id: int, status: str, receipt: TxReceipt | None = None, error: str | None = None
    ) -> None:
        block = None if receipt is None else int(receipt["blockNumber"])
        gas = None if receipt is None else int(receipt["gasUsed"])
        try:
            with self._db() as conn:
                # Never move a final row back to 'broadcast'.
                conn.execute(
                    "UPDATE public.chain_transactions SET status = %s,"
                    " receipt_block = coalesce(%s, receipt_block),"
                    " gas_used = coalesce(%s, gas_used), error = coalesce(%s, error)"
                    " WHERE id = %s AND status IN ('signed', 'broadcast')",
                    (status, block, gas, error, tx_id),
                )
        except psycopg.Error as exc:
            raise _database_error(exc) from exc


def _database_error(exc: psycopg.Error) -> DatabaseError:
    if isinstance(exc, psycopg.OperationalError):
        return _DatabaseUnavailable(f"database unavailable: {exc}")
    return DatabaseError(f"chain_transactions: {exc}")

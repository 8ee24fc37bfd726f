"""The one transaction sender: sign locally, commit, then broadcast.

Every transaction certflow sends goes through here. Nonces come from a
counter row in Postgres, so any number of worker processes can share the
signer. The signed bytes and their hash are committed to
``chain_transactions`` before ``eth_sendRawTransaction``; a retry (same
``intent_key``) rebroadcasts those bytes instead of signing anew, so a crash
anywhere leaves at most one transaction per intent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from web3 import Web3
from web3.types import TxReceipt

from certflow.errors import ChainRejected, LostRace
from certflow.settings import Settings
from chain.rpc import chain_errors
from chain.transactions import (
    SentTransaction,
    Signer,
    broadcast,
    build_transaction,
    fetch_receipt,
    sent_transaction,
    wait_for_receipt,
)
from db import chain_transactions
from db.chain_transactions import ChainTransaction
from db.engine import transaction


class TransactionSender:
    """Sends transactions for one signer with Postgres-allocated nonces.

    Each call takes its own connection from the engine's pool, so one sender
    may be shared by threads.
    """

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        engine: sa.Engine,
        chain_id: int,
        receipt_timeout: float = 60.0,
        nudge: Callable[[], object] | None = None,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.engine = engine
        self.chain_id = chain_id
        self.receipt_timeout = receipt_timeout
        #: Called while a receipt is slow, after the rebroadcast (dev chains: mine a block).
        self.nudge = nudge

    @classmethod
    def from_settings(cls, settings: Settings, w3: Web3, engine: sa.Engine) -> TransactionSender:
        return cls(w3, Signer.from_settings(settings), engine, settings.chain_id)

    # -- public API

    def send(self, intent: str, intent_key: str, to: str, data: bytes) -> SentTransaction:
        """Send once per ``intent_key`` and wait until mined; safe to call again after any crash.

        Raises ChainRejected when the transaction reverts (or would revert) and
        ChainUnavailable when the node does not answer or mine in time.
        """
        return self.complete(self.prepare(intent, intent_key, to, data))

    def prepare(self, intent: str, intent_key: str, to: str, data: bytes) -> ChainTransaction:
        """The committed, signed transaction for ``intent_key`` (signing it if new).

        Gas is estimated before any nonce is taken: a transaction that would
        revert fails here and spends nothing.
        """
        existing = self.find(intent_key)
        if existing is not None:
            return existing
        tx = build_transaction(self.w3, self.signer, to, data, nonce=0, chain_id=self.chain_id)
        try:
            return self._sign_and_store(intent, intent_key, tx)
        except LostRace:
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
        return sent_transaction(tx.tx_hash, tx.nonce, receipt)

    def find(self, intent_key: str) -> ChainTransaction | None:
        """The transaction already committed for ``intent_key``, if any."""
        with transaction(self.engine) as conn:
            return chain_transactions.find(conn, intent_key)

    def pending(self, below_nonce: int | None = None) -> list[ChainTransaction]:
        """Signed or broadcast transactions not yet seen mined, lowest nonce first."""
        with transaction(self.engine) as conn:
            return chain_transactions.pending(conn, self.chain_id, self.signer.address, below_nonce)

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

    def _sign_and_store(self, intent: str, intent_key: str, tx: dict[str, Any]) -> ChainTransaction:
        """Allocate the nonce, sign and commit in one transaction.

        LostRace (another process committed ``intent_key`` first) is raised
        inside the transaction, so it rolls back and the nonce returns to the
        counter.
        """
        with transaction(self.engine) as conn:
            tx["nonce"] = self._allocate_nonce(conn)
            raw, tx_hash = self.signer.sign(tx)
            row = chain_transactions.insert_signed(
                conn,
                intent=intent,
                intent_key=intent_key,
                signer=self.signer.address,
                chain_id=self.chain_id,
                nonce=tx["nonce"],
                to_address=tx["to"],
                raw_tx=raw,
                tx_hash=tx_hash,
            )
            if row is None:
                raise LostRace(intent_key)
            return row

    def _allocate_nonce(self, conn: sa.Connection) -> int:
        """The next nonce from the counter, created from the node's pending nonce if missing."""
        nonce = chain_transactions.allocate_nonce(conn, self.chain_id, self.signer.address)
        if nonce is None:
            with chain_errors("reading nonce"):
                node_pending = self.w3.eth.get_transaction_count(
                    Web3.to_checksum_address(self.signer.address), "pending"
                )
            chain_transactions.init_nonce(
                conn, self.chain_id, self.signer.address, int(node_pending)
            )
            nonce = chain_transactions.allocate_nonce(conn, self.chain_id, self.signer.address)
        assert nonce is not None  # the counter exists now
        return nonce

    def _mark(
        self, tx_id: int, status: str, receipt: TxReceipt | None = None, error: str | None = None
    ) -> None:
        block = None if receipt is None else int(receipt["blockNumber"])
        gas = None if receipt is None else int(receipt["gasUsed"])
        with transaction(self.engine) as conn:
            chain_transactions.mark(conn, tx_id, status, block, gas, error)

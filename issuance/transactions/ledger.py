"""The signed transactions of one signer, in Postgres: signed, committed, then broadcast.

Each version of a transaction (the first, and every fee replacement) is signed
and committed to ``chain_transactions``/``chain_tx_attempts`` before anything
is sent, so a crash anywhere leaves bytes to rebroadcast rather than a
transaction nobody recorded. Every method takes its own connection from the
engine's pool, so one ledger may be shared by threads.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from web3.types import TxReceipt

from certflow.errors import LostRace
from chain.transactions import Signer
from db import chain_transactions
from db.chain_transactions import ChainTransaction
from db.engine import transaction
from issuance.transactions.nonces import NonceCounter


class TransactionLedger:
    """Signs with ``signer`` and records every version; nonces from ``nonces``."""

    def __init__(
        self, engine: sa.Engine, signer: Signer, chain_id: int, nonces: NonceCounter
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.chain_id = chain_id
        self.nonces = nonces

    def find(self, intent_key: str) -> ChainTransaction | None:
        """The transaction committed for ``intent_key``, if any."""
        with transaction(self.engine) as conn:
            return chain_transactions.find(conn, intent_key)

    def pending(self, below_nonce: int | None = None) -> list[ChainTransaction]:
        """Signed or broadcast transactions not yet seen mined, lowest nonce first."""
        with transaction(self.engine) as conn:
            return chain_transactions.pending(conn, self.chain_id, self.signer.address, below_nonce)

    def sync_nonce(self) -> int:
        """Raise the nonce counter to the node's pending nonce; the counter after."""
        return self.nonces.sync(self.engine)

    def sign_and_store(
        self, intent: str, intent_key: str, tx: dict[str, Any], supersedes: int | None = None
    ) -> ChainTransaction:
        """Allocate the nonce, sign and commit in one transaction.

        ``supersedes``: the row whose nonce was taken, retired in the same
        transaction. LostRace (another process committed ``intent_key`` first,
        or retired that row) is raised inside the transaction, so it rolls back
        and the nonce returns to the counter.
        """
        with transaction(self.engine) as conn:
            if supersedes is not None and not chain_transactions.supersede(
                conn, supersedes, "its nonce was used by a transaction certflow does not know"
            ):
                raise LostRace(intent_key)
            tx["nonce"] = self.nonces.allocate(conn)
            raw, tx_hash = self.signer.sign(tx)
            row = chain_transactions.insert_signed(
                conn,
                intent=intent,
                intent_key=intent_key,
                signer=self.signer.address,
                chain_id=self.chain_id,
                nonce=tx["nonce"],
                to_address=tx.get("to"),
                raw_tx=raw,
                tx_hash=tx_hash,
            )
            if row is None:
                raise LostRace(intent_key)
            chain_transactions.add_attempt(conn, row.id, tx_hash, raw, tx)
            return row

    def add_version(self, tx: ChainTransaction, fields: dict[str, Any]) -> ChainTransaction | None:
        """Sign ``fields`` (``tx`` at its nonce, new fees) and commit it as ``tx``'s current
        version; None when another process moved the row on meanwhile."""
        raw, tx_hash = self.signer.sign(fields)
        with transaction(self.engine) as conn:
            if not chain_transactions.replace(conn, tx.id, raw, tx_hash):
                return None
            chain_transactions.add_attempt(conn, tx.id, tx_hash, raw, fields)
        return dataclasses.replace(tx, raw_tx=raw, tx_hash=tx_hash)

    def mark(
        self,
        tx_id: int,
        status: str,
        receipt: TxReceipt | None = None,
        error: str | None = None,
        tx_hash: str | None = None,
    ) -> None:
        block = None if receipt is None else int(receipt["blockNumber"])
        gas = None if receipt is None else int(receipt["gasUsed"])
        with transaction(self.engine) as conn:
            chain_transactions.mark(conn, tx_id, status, block, gas, error, tx_hash)

    def attempt_hashes(self, tx: ChainTransaction) -> list[str]:
        """Every signed version of ``tx``, the current one last."""
        with transaction(self.engine) as conn:
            hashes = chain_transactions.attempt_hashes(conn, tx.id)
        return [h for h in hashes if h != tx.tx_hash] + [tx.tx_hash]

    def recent_mined(self, since_block: int) -> list[ChainTransaction]:
        """Rows recorded as mined at or after ``since_block``."""
        with transaction(self.engine) as conn:
            return chain_transactions.recent_mined(
                conn, self.chain_id, self.signer.address, since_block
            )

    def reorged(self, txs: list[ChainTransaction]) -> None:
        """These mined rows' blocks are gone: pending again, in one transaction."""
        with transaction(self.engine) as conn:
            for tx in txs:
                chain_transactions.reorged(conn, tx.id)

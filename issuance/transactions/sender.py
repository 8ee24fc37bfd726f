"""The one transaction sender: sign locally, commit, then broadcast, until final.

Every transaction certflow sends goes through here. Nonces come from a
counter row in Postgres, so any number of worker processes can share the
signer. The signed bytes and their hash are committed to
``chain_transactions`` before ``eth_sendRawTransaction``; a retry (same
``intent_key``) rebroadcasts those bytes instead of signing anew, so a crash
anywhere leaves at most one transaction per intent.

On a real chain: a transaction not mined in time is replaced at the same
nonce with higher fees, an intent whose nonce was taken is re-signed
(``issuance.transactions.replacements``), and a transaction counts once ``confirmations``
blocks deep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from web3 import Web3
from web3.types import TxReceipt

from certflow.errors import (
    LostRace,
)
from certflow.settings import Settings
from chain.transactions import (
    SentTransaction,
    Signer,
    account_nonce,
    build_transaction,
)
from db import chain_transactions
from db.chain_transactions import ChainTransaction
from db.engine import transaction
from issuance.transactions import finality, replacements

#: How often a waiting sender rebroadcasts what may be stuck (and, on dev, mines).
SLOW_AFTER_SECONDS = 3.0


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
        *,
        confirmations: int = 0,
        bump_after: float = 30.0,
        fee_ceiling: int | None = None,
        poll: float = 0.05,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.engine = engine
        self.chain_id = chain_id
        self.receipt_timeout = receipt_timeout
        #: Called while a receipt is slow, after the rebroadcast (dev chains: mine a block).
        self.nudge = nudge
        self.confirmations = confirmations
        self.bump_after = bump_after
        self.fee_ceiling = fee_ceiling
        self.poll = poll
        self.slow_after = min(SLOW_AFTER_SECONDS, bump_after)
        self._synced = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        w3: Web3,
        engine: sa.Engine,
        nudge: Callable[[], object] | None = None,
    ) -> TransactionSender:
        return cls(
            w3,
            Signer.from_settings(settings),
            engine,
            settings.chain_id,
            receipt_timeout=settings.receipt_timeout_seconds,
            nudge=nudge,
            confirmations=settings.chain_confirmations,
            bump_after=settings.fee_bump_after_seconds,
            fee_ceiling=settings.max_fee_per_gas_wei,
        )

    # -- public API

    def send(
        self,
        intent: str,
        intent_key: str,
        to: str | None,
        data: bytes,
        *,
        estimate: int | None = None,
    ) -> SentTransaction:
        """Send once per ``intent_key`` and wait until final; safe to call again after any crash.

        Raises ChainRejected when the transaction reverts (or would revert), and
        a transient error when the node does not answer, refuses for now, or
        does not mine in time: the same call later picks up where this left.
        """
        return self.complete(self.prepare(intent, intent_key, to, data, estimate=estimate))

    def prepare(
        self,
        intent: str,
        intent_key: str,
        to: str | None,
        data: bytes,
        *,
        estimate: int | None = None,
    ) -> ChainTransaction:
        """The committed, signed transaction for ``intent_key`` (signing it if new).

        Gas is estimated before any nonce is taken: a transaction that would
        revert fails here and spends nothing. ``estimate``: the node's estimate
        for exactly this call, when the caller asked for it already (screening).
        """
        existing = self.find(intent_key)
        if existing is not None:
            return existing
        tx = build_transaction(
            self.w3, self.signer, to, data, nonce=0, chain_id=self.chain_id, estimate=estimate
        )
        replacements.cap_fees(tx, self.fee_ceiling)
        try:
            return self.sign_and_store(intent, intent_key, tx)
        except LostRace:
            winner = self.find(intent_key)
            assert winner is not None  # the race was lost to a committed row
            return winner

    def complete(self, tx: ChainTransaction) -> SentTransaction:
        """Broadcast a committed transaction (again), replace it while it is not mined,
        and return once it is final (see ``issuance.transactions.finality``)."""
        return finality.wait_final(self, tx)

    def find(self, intent_key: str) -> ChainTransaction | None:
        """The transaction committed for ``intent_key``, if any."""
        with transaction(self.engine) as conn:
            return chain_transactions.find(conn, intent_key)

    def pending(self, below_nonce: int | None = None) -> list[ChainTransaction]:
        """Signed or broadcast transactions not yet seen mined, lowest nonce first."""
        with transaction(self.engine) as conn:
            return chain_transactions.pending(conn, self.chain_id, self.signer.address, below_nonce)

    def sync_nonce(self) -> int:
        """Raise the counter to the node's pending nonce (never lower it); the counter after.

        Something else may have sent with the signer (a script, the demo, a
        database restored from a backup): the counter must not fall behind.
        """
        node = account_nonce(self.w3, self.signer.address, "pending")
        with transaction(self.engine) as conn:
            counter = chain_transactions.sync_nonce(conn, self.chain_id, self.signer.address, node)
        self._synced = True
        return counter

    def rebroadcast_pending(self, below_nonce: int | None = None) -> int:
        """Rebroadcast every unmined transaction, each row on its own; how many were sent."""
        return replacements.rebroadcast_pending(self, below_nonce)

    def recheck_recent(self, blocks: int) -> list[ChainTransaction]:
        """Mined rows of the last ``blocks`` blocks whose block a reorg removed, now pending."""
        return replacements.recheck_recent(self, blocks)

    # -- internals shared with issuance.replacements

    def try_broadcast(self, tx: ChainTransaction, *, quiet: bool = True) -> ChainTransaction:
        """Broadcast ``tx``; the row to wait for (see ``replacements.try_broadcast``)."""
        return replacements.try_broadcast(self, tx, quiet=quiet)

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
            tx["nonce"] = self._allocate_nonce(conn)
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

    # -- internals

    def _allocate_nonce(self, conn: sa.Connection) -> int:
        """The next nonce from the counter, synced with the node's on first use."""
        if not self._synced:
            node = account_nonce(self.w3, self.signer.address, "pending")
            chain_transactions.sync_nonce(conn, self.chain_id, self.signer.address, node)
            self._synced = True
        nonce = chain_transactions.allocate_nonce(conn, self.chain_id, self.signer.address)
        if nonce is None:  # the counter row was deleted since the sync
            self._synced = False
            return self._allocate_nonce(conn)
        return nonce

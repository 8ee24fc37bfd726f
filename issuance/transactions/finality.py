"""Waiting until a sent transaction is final: ``Finality``, the sender's receipt loop.

While it waits, a transaction not mined after ``bump_after`` is replaced
with higher fees, and every ``slow_after`` the signer's pending nonces up to
this one are rebroadcast (a dropped transaction leaves a gap) and a dev node
is nudged. A poll asks the node for the receipts of the row's versions; the
versions are read from the database once and again after anything that may
add one, so many batches waiting at once do not load Postgres.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from web3 import Web3
from web3.types import TxReceipt

from certflow.errors import ChainReverted, ChainUnavailable, NotFinal
from chain.transactions import SentTransaction, block_number, sent_transaction
from db.chain_transactions import ChainTransaction
from issuance.transactions.ledger import TransactionLedger
from issuance.transactions.replacements import Broadcaster

#: How often a waiting sender rebroadcasts what may be stuck (and, on dev, mines).
SLOW_AFTER_SECONDS = 3.0


@dataclass(frozen=True)
class Timing:
    """How long to wait, and when to act while waiting (seconds)."""

    receipt_timeout: float = 60.0
    bump_after: float = 30.0
    poll: float = 0.05
    #: Blocks a receipt must be under before the transaction counts.
    confirmations: int = 0

    @property
    def slow_after(self) -> float:
        return min(SLOW_AFTER_SECONDS, self.bump_after)


class Finality:
    """Waits for the ledger's transactions to be final, through ``broadcaster``."""

    def __init__(
        self,
        w3: Web3,
        ledger: TransactionLedger,
        broadcaster: Broadcaster,
        timing: Timing,
        nudge: Callable[[], object] | None = None,
    ) -> None:
        self.w3 = w3
        self.ledger = ledger
        self.broadcaster = broadcaster
        self.timing = timing
        #: Called while a receipt is slow, after the rebroadcast (dev chains: mine a block).
        self.nudge = nudge

    def wait_final(self, tx: ChainTransaction) -> SentTransaction:
        """Broadcast ``tx`` (again) and return once one of its versions is final."""
        if tx.status == "failed":
            raise ChainReverted(tx.error or f"{tx.intent} transaction {tx.tx_hash} failed")
        if tx.status != "mined":
            tx = self.broadcaster.try_broadcast(tx)
        timing = self.timing
        start = time.monotonic()
        deadline, next_bump = start + timing.receipt_timeout, start + timing.bump_after
        next_slow = start + timing.slow_after
        hashes = self.ledger.attempt_hashes(tx)
        while True:
            found = self.broadcaster.mined_attempt(tx, hashes)
            if found is not None:
                sent = self._settle(tx, *found)
                if sent is not None:
                    return sent
            now = time.monotonic()
            if now >= deadline:
                if found is not None:
                    depth = timing.confirmations
                    raise NotFinal(f"transaction {found[0]} is not {depth} blocks deep")
                raise ChainUnavailable(
                    f"transaction {tx.tx_hash} not mined after {timing.receipt_timeout:g}s"
                )
            if found is None and now >= next_bump:
                tx, next_bump = self.broadcaster.unstick(tx), now + timing.bump_after
            if now >= next_slow:
                # Another process may have replaced the row meanwhile: its versions anew.
                tx, next_slow = self._on_slow(tx), now + timing.slow_after
                hashes = self.ledger.attempt_hashes(tx)
            elif tx.tx_hash not in hashes:
                hashes = self.ledger.attempt_hashes(tx)
            time.sleep(timing.poll)

    def _settle(
        self, tx: ChainTransaction, tx_hash: str, receipt: TxReceipt
    ) -> SentTransaction | None:
        """The result once ``receipt`` is final; None while it is not deep enough yet."""
        if receipt["status"] != 1:
            error = f"{tx.intent} transaction {tx_hash} reverted in block {receipt['blockNumber']}"
            self.ledger.mark(tx.id, "failed", receipt, error, tx_hash)
            raise ChainReverted(error)
        if block_number(self.w3) - int(receipt["blockNumber"]) < self.timing.confirmations:
            if self.nudge is not None:
                self.nudge()
            return None
        self.ledger.mark(tx.id, "mined", receipt, tx_hash=tx_hash)
        return sent_transaction(tx_hash, tx.nonce, receipt)

    def _on_slow(self, tx: ChainTransaction) -> ChainTransaction:
        """Rebroadcast this nonce and every one below it (a drop leaves gaps), then nudge."""
        self.broadcaster.rebroadcast_pending(below_nonce=tx.nonce + 1)
        current = self.ledger.find(tx.intent_key)
        if self.nudge is not None:
            self.nudge()
        return current if current is not None and current.status != "superseded" else tx

"""The one transaction sender: sign locally, commit, then broadcast, until final.

Every transaction certflow sends goes through here. Nonces come from a
counter row in Postgres, so any number of worker processes can share the
signer. The signed bytes and their hash are committed to
``chain_transactions`` before ``eth_sendRawTransaction``; a retry (same
``intent_key``) rebroadcasts those bytes instead of signing anew, so a crash
anywhere leaves at most one transaction per intent.

On a real chain: a transaction not mined in time is replaced at the same
nonce with higher fees, an intent whose nonce was taken is re-signed
(``replacements``), and a transaction counts once ``confirmations`` blocks
deep (``finality``). The sender owns those collaborators; none of them
knows the sender (see the package's docstring).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from web3 import Web3

from certflow.errors import LostRace
from certflow.settings import Settings
from chain.transactions import SentTransaction, Signer, build_transaction
from db.chain_transactions import ChainTransaction
from issuance.transactions.finality import Finality, Timing
from issuance.transactions.ledger import TransactionLedger
from issuance.transactions.nonces import NonceCounter
from issuance.transactions.replacements import Broadcaster, cap_fees


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
        self.fee_ceiling = fee_ceiling
        nonces = NonceCounter(w3, chain_id, signer.address)
        self.ledger = TransactionLedger(engine, signer, chain_id, nonces)
        self.broadcaster = Broadcaster(w3, self.ledger, fee_ceiling)
        timing = Timing(receipt_timeout, bump_after, poll, confirmations)
        self.finality = Finality(w3, self.ledger, self.broadcaster, timing, nudge)

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
        cap_fees(tx, self.fee_ceiling)
        try:
            return self.ledger.sign_and_store(intent, intent_key, tx)
        except LostRace:
            winner = self.find(intent_key)
            assert winner is not None  # the race was lost to a committed row
            return winner

    def complete(self, tx: ChainTransaction) -> SentTransaction:
        """Broadcast a committed transaction (again), replace it while it is not mined,
        and return once it is final."""
        return self.finality.wait_final(tx)

    def find(self, intent_key: str) -> ChainTransaction | None:
        """The transaction committed for ``intent_key``, if any."""
        return self.ledger.find(intent_key)

    def sync_nonce(self) -> int:
        """Raise the counter to the node's pending nonce (never lower it); the counter after.

        Something else may have sent with the signer (a script, the demo, a
        database restored from a backup): the counter must not fall behind.
        """
        return self.ledger.sync_nonce()

    def rebroadcast_pending(self, below_nonce: int | None = None) -> int:
        """Rebroadcast every unmined transaction, each row on its own; how many were sent."""
        return self.broadcaster.rebroadcast_pending(below_nonce)

    def recheck_recent(self, blocks: int) -> list[ChainTransaction]:
        """Mined rows of the last ``blocks`` blocks whose block a reorg removed, now pending."""
        return self.broadcaster.recheck_recent(blocks)

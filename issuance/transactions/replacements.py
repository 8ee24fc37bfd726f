"""What the sender does when a transaction does not simply mine: ``Broadcaster``.

- Fees: a transaction not mined in time (or refused as underpriced) is signed
  again at the same nonce with both fee fields raised by at least 1/8; every
  version is kept (``chain_tx_attempts``) and whichever mines is recorded.
  Above the configured ceiling it is not raised: it waits for fees to fall.
- Nonces: when the node says our nonce was used by a transaction it does not
  know as ours (something else sent with the signer), the intent is signed
  again with a new nonce and the old row is marked superseded.
- Gaps and reorgs: every unmined row is rebroadcast on its own; a row whose
  block a reorg removed is pending again, and its same bytes go back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog
from web3 import Web3
from web3.types import TxReceipt

from certflow.errors import (
    CertflowError,
    ChainBusy,
    FeeCeilingReached,
    FeeTooLow,
    LostRace,
    NonceConflict,
)
from chain.fees import bumped_fees, fee_fields
from chain.transactions import (
    account_nonce,
    block_number,
    broadcast,
    fetch_receipt,
    node_knows,
    unsigned_from_raw,
)
from db.chain_transactions import ChainTransaction
from issuance.transactions.ledger import TransactionLedger

log = structlog.get_logger("certflow.sender")


def with_status(tx: ChainTransaction, status: str) -> ChainTransaction:
    return dataclasses.replace(tx, status=status)


def cap_fees(tx: dict[str, Any], ceiling: int | None) -> None:
    """Never offer more than ``ceiling`` per gas: the node may then refuse, and we wait."""
    if ceiling is not None and tx["maxFeePerGas"] > ceiling:
        tx["maxFeePerGas"] = ceiling
        tx["maxPriorityFeePerGas"] = min(tx["maxPriorityFeePerGas"], ceiling)


class Broadcaster:
    """Gets the ledger's transactions to the node and replaces them while they do not mine."""

    def __init__(self, w3: Web3, ledger: TransactionLedger, fee_ceiling: int | None) -> None:
        self.w3 = w3
        self.ledger = ledger
        self.fee_ceiling = fee_ceiling

    def mined_attempt(
        self, tx: ChainTransaction, hashes: list[str] | None = None
    ) -> tuple[str, TxReceipt] | None:
        """Whichever version of ``tx`` is mined, with its receipt (``hashes``: its versions,
        current last, when the caller has them already)."""
        for tx_hash in reversed(self.ledger.attempt_hashes(tx) if hashes is None else hashes):
            receipt = fetch_receipt(self.w3, tx_hash)
            if receipt is not None:
                return tx_hash, receipt
        return None

    def try_broadcast(self, tx: ChainTransaction, *, quiet: bool = True) -> ChainTransaction:
        """Broadcast ``tx``; the row to wait for (a re-signed one when its nonce was taken).

        A refusal for now (funds, fees, rate limit) is left to the waiting loop,
        which tries again; ``quiet=False`` raises it instead.
        """
        try:
            broadcast(self.w3, tx.raw_tx, tx.tx_hash)
        except NonceConflict:
            return self.resolve_conflict(tx)
        except FeeTooLow as exc:
            log.info("broadcast_underpriced", tx_id=tx.id, nonce=tx.nonce, error=str(exc))
            replaced = self.bump(tx)
            if not quiet and replaced is tx:
                raise
            return replaced
        except ChainBusy as exc:
            log.warning("broadcast_deferred", tx_id=tx.id, nonce=tx.nonce, error=str(exc))
            if not quiet:
                raise
            return tx
        self.ledger.mark(tx.id, "broadcast")
        return tx

    def bump(self, tx: ChainTransaction) -> ChainTransaction:
        """Replace ``tx`` at its nonce with higher fees and broadcast it; ``tx`` itself when
        the ceiling forbids a raise (it waits) or another process moved the row on."""
        fields = unsigned_from_raw(tx.raw_tx)
        try:
            fields.update(bumped_fees(self.w3, fields, self.fee_ceiling))
        except FeeCeilingReached as exc:
            log.warning("fee_ceiling_reached", tx_id=tx.id, nonce=tx.nonce, error=str(exc))
            return tx
        replaced = self.ledger.add_version(tx, fields)
        if replaced is None:
            return self.ledger.find(tx.intent_key) or tx
        log.info(
            "fee_bumped",
            tx_id=tx.id,
            nonce=tx.nonce,
            tx_hash=replaced.tx_hash,
            max_fee_per_gas=fields["maxFeePerGas"],
            max_priority_fee_per_gas=fields["maxPriorityFeePerGas"],
        )
        try:
            broadcast(self.w3, replaced.raw_tx, replaced.tx_hash)
        except ChainBusy as exc:
            # An older version may have just mined (nonce used), or the node still
            # refuses: the waiting loop sees either.
            log.info("replacement_deferred", tx_id=tx.id, error=str(exc))
        return replaced

    def unstick(self, tx: ChainTransaction) -> ChainTransaction:
        """``tx`` is not mined after a while: raise its fees only if that can help.

        Only a version the node holds, at the head of the signer's queue, is
        held back by its fees. One the node lost or refuses (funds, fees) is sent
        again (which bumps it if underpriced); one waiting behind an earlier
        nonce waits for that one, since raising its own fees would only overpay.
        """
        if not node_knows(self.w3, tx.tx_hash):
            return self.try_broadcast(tx)
        if account_nonce(self.w3, self.ledger.signer.address) < tx.nonce:
            log.info("waiting_behind_earlier_nonce", tx_id=tx.id, nonce=tx.nonce)
            return tx
        return self.bump(tx)

    def resolve_conflict(self, tx: ChainTransaction) -> ChainTransaction:
        """``tx``'s nonce is used on chain by a transaction the node does not know as ``tx``.

        If one of our versions mined, nothing is wrong. If another process has
        already re-signed the intent, wait for that. Otherwise sign the intent
        again with a new nonce, retiring this row in the same database transaction.
        """
        current = self.ledger.find(tx.intent_key)
        if current is not None and current.id != tx.id:
            return current
        if any(fetch_receipt(self.w3, h) is not None for h in self.ledger.attempt_hashes(tx)):
            return tx
        fields = unsigned_from_raw(tx.raw_tx)
        fields.update(fee_fields(self.w3))
        cap_fees(fields, self.fee_ceiling)
        self.ledger.sync_nonce()
        try:
            fresh = self.ledger.sign_and_store(tx.intent, tx.intent_key, fields, supersedes=tx.id)
        except LostRace:
            return self.ledger.find(tx.intent_key) or tx
        log.warning(
            "nonce_superseded",
            intent_key=tx.intent_key,
            old_nonce=tx.nonce,
            new_nonce=fresh.nonce,
            old_tx_hash=tx.tx_hash,
            tx_hash=fresh.tx_hash,
        )
        return self.try_broadcast(fresh)

    def rebroadcast_pending(self, below_nonce: int | None = None) -> int:
        """Rebroadcast every unmined transaction (a crash or a drop may have left a gap).

        Each row on its own: one that fails is logged and the rest go on, so one
        bad row never stops the others or fails a caller. A row whose nonce was
        taken by a transaction we do not know is re-signed. How many were sent.
        """
        count = 0
        for tx in self.ledger.pending(below_nonce):
            try:
                if self.mined_attempt(tx) is None:
                    self.try_broadcast(tx, quiet=False)
                    count += 1
            except CertflowError as exc:
                log.warning("rebroadcast_failed", tx_id=tx.id, nonce=tx.nonce, error=str(exc))
        return count

    def recheck_recent(self, blocks: int) -> list[ChainTransaction]:
        """Rows mined in the last ``blocks`` blocks whose block a reorg removed, made pending.

        Their bytes are still valid (the nonce is free again): a rebroadcast
        puts the same transaction back, which keeps the nonces contiguous.
        """
        since = max(block_number(self.w3) - blocks, 0)
        recent = self.ledger.recent_mined(since)
        gone = [tx for tx in recent if fetch_receipt(self.w3, tx.tx_hash) is None]
        self.ledger.reorged(gone)
        if gone:
            log.warning("transactions_reorged", count=len(gone), nonces=[tx.nonce for tx in gone])
        return [with_status(tx, "broadcast") for tx in gone]

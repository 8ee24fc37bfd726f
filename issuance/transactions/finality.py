"""Waiting until a sent transaction is final: the sender's receipt loop.

While it waits, a transaction not mined after ``bump_after`` is replaced
with higher fees, and every ``slow_after`` the signer's pending nonces up to
this one are rebroadcast (a dropped transaction leaves a gap) and a dev node
is nudged. A poll asks the node for the receipts of the row's versions; the
versions are read from the database once and again after anything that may
add one, so many batches waiting at once do not load Postgres.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from web3.types import TxReceipt

from certflow.errors import ChainReverted, ChainUnavailable, NotFinal
from chain.transactions import SentTransaction, block_number, sent_transaction
from db.chain_transactions import ChainTransaction
from issuance.transactions import replacements

if TYPE_CHECKING:
    from issuance.transactions.sender import TransactionSender


def wait_final(sender: TransactionSender, tx: ChainTransaction) -> SentTransaction:
    """Broadcast ``tx`` (again) and return once one of its versions is final."""
    if tx.status == "failed":
        raise ChainReverted(tx.error or f"{tx.intent} transaction {tx.tx_hash} failed")
    if tx.status != "mined":
        tx = sender.try_broadcast(tx)
    start = time.monotonic()
    deadline, next_bump = start + sender.receipt_timeout, start + sender.bump_after
    next_slow = start + sender.slow_after
    hashes = sender.attempt_hashes(tx)
    while True:
        found = replacements.mined_attempt(sender, tx, hashes)
        if found is not None:
            sent = settle(sender, tx, *found)
            if sent is not None:
                return sent
        now = time.monotonic()
        if now >= deadline:
            if found is not None:
                raise NotFinal(f"transaction {found[0]} is not {sender.confirmations} blocks deep")
            raise ChainUnavailable(
                f"transaction {tx.tx_hash} not mined after {sender.receipt_timeout:g}s"
            )
        if found is None and now >= next_bump:
            tx, next_bump = replacements.unstick(sender, tx), now + sender.bump_after
        if now >= next_slow:
            # Another process may have replaced the row meanwhile: its versions anew.
            tx, next_slow = on_slow(sender, tx), now + sender.slow_after
            hashes = sender.attempt_hashes(tx)
        elif tx.tx_hash not in hashes:
            hashes = sender.attempt_hashes(tx)
        time.sleep(sender.poll)


def settle(
    sender: TransactionSender, tx: ChainTransaction, tx_hash: str, receipt: TxReceipt
) -> SentTransaction | None:
    """The result once ``receipt`` is final; None while it is not deep enough yet."""
    if receipt["status"] != 1:
        error = f"{tx.intent} transaction {tx_hash} reverted in block {receipt['blockNumber']}"
        sender.mark(tx.id, "failed", receipt, error, tx_hash)
        raise ChainReverted(error)
    if block_number(sender.w3) - int(receipt["blockNumber"]) < sender.confirmations:
        if sender.nudge is not None:
            sender.nudge()
        return None
    sender.mark(tx.id, "mined", receipt, tx_hash=tx_hash)
    return sent_transaction(tx_hash, tx.nonce, receipt)


def on_slow(sender: TransactionSender, tx: ChainTransaction) -> ChainTransaction:
    """Rebroadcast this nonce and every one below it (a drop leaves gaps), then nudge."""
    sender.rebroadcast_pending(below_nonce=tx.nonce + 1)
    current = sender.find(tx.intent_key)
    if sender.nudge is not None:
        sender.nudge()
    return current if current is not None and current.status != "superseded" else tx

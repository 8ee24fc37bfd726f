"""The ``chain_transactions`` table and the per-signer nonce counter.

Every transaction the signer sends is signed, committed here and only then
broadcast (``issuance.transactions.sender``). Each function runs in the caller's
transaction: allocating a nonce locks the signer's counter row until that
transaction ends, and a rollback returns the nonce to the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class ChainTransaction:
    """One row of ``chain_transactions``."""

    id: int
    intent: str
    intent_key: str
    nonce: int
    to_address: str | None
    raw_tx: bytes
    tx_hash: str
    status: str
    receipt_block: int | None
    gas_used: int | None
    error: str | None


def _row(row: sa.Row[Any]) -> ChainTransaction:
    values = dict(row._mapping)
    values["raw_tx"] = bytes(values["raw_tx"])
    return ChainTransaction(**values)


def find(conn: sa.Connection, intent_key: str) -> ChainTransaction | None:
    """The transaction committed for ``intent_key``, if any."""
    row = conn.execute(query("chain_tx_find"), {"intent_key": intent_key}).first()
    return None if row is None else _row(row)


def pending(
    conn: sa.Connection, chain_id: int, signer: str, below_nonce: int | None = None
) -> list[ChainTransaction]:
    """The signer's signed or broadcast transactions, lowest nonce first.

    With ``below_nonce``, only those with a lower nonce (the ones that can
    hold a later transaction back).
    """
    rows = conn.execute(
        query("chain_tx_pending"),
        {"chain_id": chain_id, "signer": signer, "below_nonce": below_nonce},
    ).all()
    return [_row(row) for row in rows]


def allocate_nonce(conn: sa.Connection, chain_id: int, signer: str) -> int | None:
    """The signer's next nonce, or None when it has no counter yet (see ``sync_nonce``).

    The counter row stays locked until the caller's transaction ends, so
    concurrent senders get consecutive nonces.
    """
    value = conn.execute(
        query("chain_tx_allocate_nonce"), {"chain_id": chain_id, "signer": signer}
    ).scalar_one()
    return None if value is None else int(value)


def insert_signed(
    conn: sa.Connection,
    *,
    intent: str,
    intent_key: str,
    signer: str,
    chain_id: int,
    nonce: int,
    to_address: str | None,
    raw_tx: bytes,
    tx_hash: str,
) -> ChainTransaction | None:
    """Record a signed transaction; None when ``intent_key`` is already taken (a lost race)."""
    row = conn.execute(
        query("chain_tx_insert_signed"),
        {
            "intent": intent,
            "intent_key": intent_key,
            "signer": signer,
            "chain_id": chain_id,
            "nonce": nonce,
            "to_address": to_address,
            "raw_tx": raw_tx,
            "tx_hash": tx_hash,
        },
    ).first()
    return None if row is None else _row(row)


def mark(
    conn: sa.Connection,
    tx_id: int,
    status: str,
    block: int | None = None,
    gas: int | None = None,
    error: str | None = None,
    tx_hash: str | None = None,
) -> None:
    """Move a row to ``status``, keeping known receipt fields; a final row never moves back.

    ``tx_hash``: the attempt that mined, when it was not the latest replacement.
    """
    conn.execute(
        query("chain_tx_mark"),
        {
            "id": tx_id,
            "status": status,
            "receipt_block": block,
            "gas_used": gas,
            "error": error,
            "tx_hash": tx_hash,
        },
    )


def sync_nonce(conn: sa.Connection, chain_id: int, signer: str, node_nonce: int) -> int:
    """Raise the signer's counter to the node's nonce (never lower it); the counter after."""
    return int(
        conn.execute(
            query("chain_tx_sync_nonce"),
            {"chain_id": chain_id, "signer": signer, "node_nonce": node_nonce},
        ).scalar_one()
    )


def add_attempt(
    conn: sa.Connection, tx_id: int, tx_hash: str, raw_tx: bytes, fees: dict[str, int]
) -> None:
    """Keep one signed version of the row (the first, or a fee-bumped replacement)."""
    conn.execute(
        query("chain_tx_insert_attempt"),
        {
            "tx_id": tx_id,
            "tx_hash": tx_hash,
            "raw_tx": raw_tx,
            "max_fee": fees["maxFeePerGas"],
            "max_tip": fees["maxPriorityFeePerGas"],
        },
    )


def attempt_hashes(conn: sa.Connection, tx_id: int) -> list[str]:
    """The hashes of every signed version of the row, oldest first."""
    return [row.tx_hash for row in conn.execute(query("chain_tx_attempt_hashes"), {"tx_id": tx_id})]


def replace(conn: sa.Connection, tx_id: int, raw_tx: bytes, tx_hash: str) -> bool:
    """Make a replacement the row's current version; False when the row is no longer pending."""
    row = conn.execute(
        query("chain_tx_replace"), {"id": tx_id, "raw_tx": raw_tx, "tx_hash": tx_hash}
    ).first()
    return row is not None


def supersede(conn: sa.Connection, tx_id: int, error: str) -> bool:
    """Retire a pending row whose nonce was taken; False when it is no longer pending."""
    row = conn.execute(query("chain_tx_supersede"), {"id": tx_id, "error": error}).first()
    return row is not None


def recent_mined(
    conn: sa.Connection, chain_id: int, signer: str, from_block: int
) -> list[ChainTransaction]:
    """The signer's rows mined at or after ``from_block``, lowest nonce first."""
    rows = conn.execute(
        query("chain_tx_recent_mined"),
        {"chain_id": chain_id, "signer": signer, "from_block": from_block},
    ).all()
    return [_row(row) for row in rows]


def reorged(conn: sa.Connection, tx_id: int) -> None:
    """The row's block is gone: pending again, to be rebroadcast as it is."""
    conn.execute(query("chain_tx_reorged"), {"id": tx_id})

"""The signer's nonces: a counter row in Postgres, so any number of processes share the signer.

The counter is raised to the node's pending nonce before its first use in a
process and whenever asked (``sync``), and never lowered: something else may
have sent with the signer (a script, the demo, a database restored from a
backup).
"""

from __future__ import annotations

import sqlalchemy as sa
from web3 import Web3

from chain.transactions import account_nonce
from db import chain_transactions
from db.engine import transaction


class NonceCounter:
    """The nonces of one signer on one chain."""

    def __init__(self, w3: Web3, chain_id: int, address: str) -> None:
        self.w3 = w3
        self.chain_id = chain_id
        self.address = address
        self._synced = False

    def sync(self, engine: sa.Engine) -> int:
        """Raise the counter to the node's pending nonce (never lower it); the counter after."""
        node = account_nonce(self.w3, self.address, "pending")
        with transaction(engine) as conn:
            counter = chain_transactions.sync_nonce(conn, self.chain_id, self.address, node)
        self._synced = True
        return counter

    def allocate(self, conn: sa.Connection) -> int:
        """The next nonce, in the caller's transaction (a rollback gives it back).

        Synced with the node's on first use, and again if the counter row was
        deleted since.
        """
        if not self._synced:
            node = account_nonce(self.w3, self.address, "pending")
            chain_transactions.sync_nonce(conn, self.chain_id, self.address, node)
            self._synced = True
        nonce = chain_transactions.allocate_nonce(conn, self.chain_id, self.address)
        if nonce is None:  # the counter row was deleted since the sync
            self._synced = False
            return self.allocate(conn)
        return nonce

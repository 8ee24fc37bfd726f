"""The transaction engine: every transaction certflow sends goes through ``TransactionSender``.

Inside, imports go one way, top to bottom; no file calls back into one above it:

- ``sender``: ``TransactionSender``, the one public class (send, prepare,
  complete, sync the nonce, rebroadcast, recheck after a reorg). It builds and
  owns the collaborators below.
- ``finality``: ``Finality``, the receipt loop: wait until a version is mined
  and deep enough, replacing and rebroadcasting while it waits.
- ``replacements``: ``Broadcaster``, what happens when a transaction does not
  simply mine: broadcast, fee replacement, re-signing at a new nonce when ours
  was taken, rebroadcasting what a crash or a reorg left pending.
- ``ledger``: ``TransactionLedger``, the signed transactions in Postgres: each
  version signed and committed before it is broadcast.
- ``nonces``: ``NonceCounter``, the signer's nonces from a counter row, never
  behind the node's.
- ``batching``: batches that isolate their reverting members and fit a block,
  before anything is signed (generic: no chain or database access).
"""

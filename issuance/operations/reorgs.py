"""Healing what a reorg removed: the same transactions go back, and moved uids are recorded.

A transaction in a block that a reorganisation dropped is no longer on chain,
but its signed bytes are still valid (its nonce is free again). Sending
exactly those bytes again keeps the signer's nonces contiguous and cannot
issue twice. A key comes back with the same transaction; an attestation's
uid depends on its block, so the re-mined one is matched to its enrollment
again and recorded, which also renders a new PDF.
"""

from __future__ import annotations

import structlog

from certflow.errors import CertflowError
from chain.transactions import SentTransaction
from db import attestations, grants, records
from db.engine import transaction
from issuance.certificates.attestations import attestation_config, match_attested
from issuance.certificates.issuer import Issuer
from issuance.certificates.merkle_anchor import ROOT_INTENT
from issuance.certificates.offchain_attest import INTENT as ANCHOR_INTENT
from issuance.certificates.offchain_attest import record_reanchored

log = structlog.get_logger("certflow.reconcile")

ATTEST_INTENTS = ("multi_attest", "attest")


def heal_reorgs(issuer: Issuer) -> dict[str, int]:
    """Re-check the last blocks' transactions; send again and re-record what a reorg removed."""
    gone = issuer.sender.recheck_recent(issuer.settings.reorg_recheck_blocks)
    counts = {"reorged": len(gone), "reorg_healed": 0, "uids_moved": 0}
    if not gone:
        return counts
    issuer.sender.rebroadcast_pending()  # all of them, lowest nonce first
    for tx in gone:
        try:
            sent = issuer.sender.complete(tx)
        except CertflowError as exc:
            # Left pending: the next pass (or a retry of its batch) finishes it.
            log.warning("reorg_heal_failed", tx_id=tx.id, nonce=tx.nonce, error=str(exc))
            continue
        counts["reorg_healed"] += 1
        if tx.intent == "grant_keys" and sent.tx_hash != tx.tx_hash:
            with transaction(issuer.engine) as conn:
                grants.record_key_moved(conn, tx.tx_hash, sent.tx_hash)
        if tx.intent in ATTEST_INTENTS:
            counts["uids_moved"] += _rerecord(issuer, tx.intent_key, sent)
        if tx.intent in (ANCHOR_INTENT, ROOT_INTENT):
            record_reanchored(issuer, sent.receipt)
    log.warning("reorg_healed", **counts)
    return counts


def _rerecord(issuer: Issuer, batch: str, sent: SentTransaction) -> int:
    _, eas = attestation_config(issuer.settings)
    with transaction(issuer.engine) as conn:
        members = records.records(conn, attestations.attested_batch_ids(conn, batch))
    uids = match_attested(issuer, eas, sent, members)
    with transaction(issuer.engine) as conn:
        return attestations.record_moved_attestations(conn, uids)

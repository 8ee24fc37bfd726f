"""Revoke an off-chain attestation: ``EAS.revokeOffchain(uid)`` by the attester, via the sender.

EAS records the revocation per (revoker, uid), so the attester itself must
send it for ``getRevokeOffchain(attester, uid)`` to say so. The intent key is
per enrollment: running ``certflow revoke`` again rebroadcasts the same
signed transaction instead of revoking twice (a second revokeOffchain of the
same UID would revert with AlreadyRevokedOffchain).
"""

from __future__ import annotations

from uuid import UUID

import structlog

from chain.anchoring import get_revoke_offchain, parse_revoked_offchain, revoke_offchain_calldata
from db import offchain
from db.engine import transaction
from issuance.certificates.issuer import Issuer

INTENT = "revoke_offchain"

log = structlog.get_logger("certflow.issuance")


def revoke_offchain(issuer: Issuer, enrollment_id: UUID) -> str | None:
    """Revoke the enrollment's off-chain attestation; the transaction hash, or None."""
    with transaction(issuer.engine) as conn:
        stored = offchain.by_enrollments(conn, [enrollment_id]).get(enrollment_id)
    if stored is None:
        return None
    if stored.revoke_tx_hash is not None:
        return stored.revoke_tx_hash
    eas = str(issuer.settings.eas_contract_address)
    intent_key = f"{INTENT}:{enrollment_id}"
    pending = issuer.sender.find(intent_key)
    if pending is None and get_revoke_offchain(issuer.w3, eas, stored.attester, stored.uid):
        # Revoked outside certflow (or its record lost): there is no transaction of ours to name.
        return None
    if pending is not None:
        sent = issuer.sender.complete(pending)
    else:
        sent = issuer.sender.send(INTENT, intent_key, eas, revoke_offchain_calldata(stored.uid))
    [event] = [e for e in parse_revoked_offchain(sent.receipt, eas) if e.uid == stored.uid]
    with transaction(issuer.engine) as conn:
        offchain.record_revoked(conn, enrollment_id, sent.tx_hash, event.timestamp)
    log.info("offchain_revoked", enrollment_id=str(enrollment_id), tx_hash=sent.tx_hash)
    return sent.tx_hash

"""Revoke a certificate: record why, and expire the learner's key when nothing else needs it.

Revocation is per certificate (per enrollment: every version of it): the
revocation row, the credential's status bit (``issuance.credentials``) and, in
the off-chain mode, the attestation's ``revokeOffchain``. The key is the
learner's on the bootcamp's lock, which every cohort of the bootcamp shares: it
is expired only when no other unrevoked certificate of that wallet on that lock
rests on it (expiring it would fail the other certificates' key check and
refuse the learner's later claims on that lock).

In the off-chain attestation mode the attestation is revoked too, with
``revokeOffchain`` (``issuance.certificates.offchain_revocation``), before the key.

The V2 attestation schema is not revocable, so the key is what the chain says
about a revocation: the lock manager expires it (``expireAndRefundFor``, no
refund: certificate keys are granted free). The transaction goes through the
one sender, so a retried revoke rebroadcasts the same signed bytes. The row is
written after the key is expired: a revocation row always means "done on
chain", and running the command again after any failure finishes the job.
"""

from __future__ import annotations

from uuid import UUID

from certflow.errors import CertificateInputError
from chain.lock import expire_key_calldata, valid_key_token
from db import records, revocations
from db.engine import transaction
from db.revocations import Revocation
from issuance.certificates.issuer import Issuer
from issuance.certificates.offchain_revocation import revoke_offchain

INTENT = "expire_key"


def revoke(issuer: Issuer, enrollment_id: UUID, reason: str) -> Revocation:
    """Record the revocation with ``reason``; expire the key unless another unrevoked
    certificate of the learner on the lock rests on it."""
    reason = reason.strip()
    if not reason:
        raise CertificateInputError("a revocation needs a reason")
    with transaction(issuer.engine) as conn:
        record = records.record(conn, enrollment_id)
        done = revocations.by_enrollment(conn, enrollment_id)
    if record is None:
        raise CertificateInputError(f"enrollment {enrollment_id} does not exist")
    if done is not None:
        return done
    if not record.lock_address or not record.wallet_address:
        raise CertificateInputError(
            f"enrollment {enrollment_id}: no lock or wallet, so no key to expire"
        )
    revoke_offchain(issuer, enrollment_id)  # off-chain mode: the attestation too
    with transaction(issuer.engine) as conn:
        if revocations.key_still_needed(
            conn, enrollment_id, record.lock_address, record.wallet_address
        ):
            # The key stays: the learner's other certificates on this lock need it.
            return revocations.record(conn, enrollment_id, reason, None)
    intent_key = f"{INTENT}:{enrollment_id}"
    # A crash after broadcasting left the transaction committed: finish that one.
    pending = issuer.sender.find(intent_key)
    tx_hash: str | None = None
    if pending is not None:
        tx_hash = issuer.sender.complete(pending).tx_hash
    else:
        token = valid_key_token(issuer.w3, record.lock_address, record.wallet_address)
        if token is not None:
            sent = issuer.sender.send(
                INTENT, intent_key, record.lock_address, expire_key_calldata(token)
            )
            tx_hash = sent.tx_hash
    with transaction(issuer.engine) as conn:
        return revocations.record(conn, enrollment_id, reason, tx_hash)

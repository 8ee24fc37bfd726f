"""The grant pass: a claim's key on chain, batched with the lock's other waiting claims.

The database says what is owed (claims in progress); this pass pays it with
one ``grantKeys`` per batch through the TransactionSender and records each
key. A batch id is the sender's ``intent_key``, so a batch is signed once,
ever: a crash anywhere is healed by running the batch again, which finds the
committed transaction (or the keys already on chain) instead of sending anew.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import NoReturn
from uuid import UUID

import structlog
from web3 import Web3

from certflow.errors import (
    BadEvent,
    CertificateInputError,
    ChainError,
    ChainReverted,
    ChainUnavailable,
    KeyCheckUnavailable,
    KeyGrantFailed,
)
from chain.abi import checksum
from chain.lock import grant_keys_calldata, parse_key_transfers
from chain.rpc import chain_errors
from chain.transactions import SentTransaction, gas_needed
from db import claims, grants, records
from db.batches import batch_owner
from db.engine import transaction
from db.grants import Member
from issuance.certificates.issuer import Issuer, PassResult, busy_or_batched
from issuance.certificates.screening import BAD_WALLET, NO_WALLET, screen_grant, wallet_problem
from issuance.transactions.batching import Estimates, culprits
from render.certificate import name_problem

# The wallet messages live with the checks (issuance.certificates.screening); named here too.
__all__ = [
    "BAD_LOCK",
    "BAD_WALLET",
    "NO_LOCK_CONTRACT",
    "NO_WALLET",
    "finish_grant_batch",
    "grant_for",
]

log = structlog.get_logger("certflow.issuance")

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

BAD_LOCK = "Certificate lock address is invalid - please contact support."
NO_LOCK_CONTRACT = (
    "No certificate lock contract at the configured address - please contact support."
)


def grant_for(issuer: Issuer, enrollment_id: UUID, *, take_over: bool = False) -> PassResult:
    """Grant the claimed enrollment its key, batched with the lock's other waiting claims.

    ``take_over``: finish the enrollment's batch even if another run started it
    recently (a retry, or the reconciler), if that run is gone: a batch is sent
    only by the run holding its owner lock (``db.batches``), never by two at once.
    """
    stale = issuer.settings.batch_stale_seconds
    with transaction(issuer.engine) as conn:
        row = claims.target(conn, enrollment_id, stale)
    if row is None:
        raise BadEvent(f"enrollment {enrollment_id} not found")
    if row.certificate_issued:
        return PassResult("already_issued")
    if not row.certificate_claim_in_progress:
        return PassResult("not_claimed")
    lock = row.lock_address
    batch = row.certificate_grant_batch
    if batch is not None:
        if not (take_over or row.grant_batch_stale):
            return PassResult("in_batch", batch)
    else:
        _validate_claim(issuer, enrollment_id, row.wallet_address, lock)
        batch = f"grant_keys:{uuid.uuid4()}"
        with transaction(issuer.engine) as conn:
            members = grants.assign_grant_batch(
                conn, enrollment_id, lock, batch, issuer.settings.grant_batch_max
            )
        if members is None:
            return busy_or_batched(issuer, enrollment_id, "certificate_grant_batch")
        log.info("grant_batch_assigned", batch=batch, size=len(members), lock_address=lock)
    with batch_owner(issuer.engine, batch) as owner:
        if not owner:
            log.info("batch_sent_elsewhere", batch=batch)
            return PassResult("in_batch", batch)
        recorded = finish_grant_batch(issuer, batch, lock)
    return PassResult("granted", batch, recorded)


def _validate_claim(issuer: Issuer, enrollment_id: UUID, wallet: str | None, lock: str) -> None:
    """Bad input is recorded on the enrollment and refused before anything is sent."""
    problem = wallet_problem(wallet)
    if problem is None and not _ADDRESS.match(lock or ""):
        problem = BAD_LOCK
    elif problem is None:
        with chain_errors("checking lock contract"):
            code = issuer.w3.eth.get_code(Web3.to_checksum_address(lock))
        if len(code) == 0:
            problem = NO_LOCK_CONTRACT
    if problem is not None:
        with transaction(issuer.engine) as conn:
            grants.record_claim_error(conn, [enrollment_id], problem)
        log.warning("claim_refused", enrollment_id=str(enrollment_id), error=problem)
        raise CertificateInputError(problem)


def finish_grant_batch(issuer: Issuer, batch: str, lock: str) -> int:
    """Send (or find) the batch's grantKeys and record every key; safe to run again.

    Before anything is signed, each member is screened and any member that
    still makes the call revert is isolated: they fail alone, with their
    reason, and the rest are granted.
    """
    with transaction(issuer.engine) as conn:
        members = grants.grant_batch_members(conn, batch)
    if not members:
        return 0
    tx = issuer.sender.find(batch)
    try:
        if tx is None:
            members = _screen(issuer, lock, members)
            members, known = _isolate_reverts(issuer, lock, members)
            if not members:
                return 0
            data = grant_keys_calldata([m.wallet for m in members], issuer.key_manager)
            sent = issuer.sender.send("grant_keys", batch, lock, data, estimate=known)
        else:
            sent = issuer.sender.complete(tx)
    except ChainError as exc:
        if exc.transient:
            raise  # retried; the batch keeps its members and any signed transaction
        # A key granted since the screen made it revert: recorded, not failed.
        rest = _screen(issuer, lock, members)
        if rest:
            _fail_grant(issuer, batch, rest, exc)
        return 0
    return _record_minted(issuer, batch, lock, members, sent)


def _record_minted(
    issuer: Issuer, batch: str, lock: str, members: list[Member], sent: SentTransaction
) -> int:
    minted = parse_key_transfers(sent.receipt, lock)
    granted = {m.id: (sent.tx_hash, m.wallet) for m in members if checksum(m.wallet) in minted}
    with transaction(issuer.engine) as conn:
        recorded = grants.record_keys(conn, granted)
    log.info(
        "keys_granted", batch=batch, tx_hash=sent.tx_hash, keys=len(granted), gas=sent.gas_used
    )
    rest = [m for m in members if m.id not in granted]
    if rest:
        # Not in this transaction (e.g. batched after it was signed): check the
        # chain, and put whoever still has no key back in line.
        rest = _screen(issuer, lock, rest)
        with transaction(issuer.engine) as conn:
            grants.release_grant_batch(conn, [m.id for m in rest])
    return recorded


def _screen(issuer: Issuer, lock: str, members: list[Member]) -> list[Member]:
    """Record members who already hold a key and refuse those who cannot get one;
    the others, who still need a key."""
    unprintable = _unprintable_names(issuer, members)
    members = [m for m in members if m.id not in unprintable]
    try:
        screened = screen_grant(issuer.w3, issuer.check_w3, lock, members, issuer.scan)
    except ChainUnavailable as exc:
        # The source's rule: unable to verify means do not grant blindly.
        ids = [m.id for m in members]
        with transaction(issuer.engine) as conn:
            grants.record_claim_warning(conn, ids, KeyCheckUnavailable().user_message)
            grants.release_grant_batch(conn, ids)
        log.warning("key_check_unavailable", lock_address=lock, error=str(exc))
        raise KeyCheckUnavailable() from exc
    screened.refused.update(unprintable)
    with transaction(issuer.engine) as conn:
        grants.record_keys(conn, screened.held)
        for enrollment_id, problem in screened.refused.items():
            grants.record_claim_error(conn, [enrollment_id], problem)
    if screened.held:
        log.info("existing_keys_reconciled", lock_address=lock, keys=len(screened.held))
    for enrollment_id, problem in screened.refused.items():
        log.warning("grant_member_refused", enrollment_id=str(enrollment_id), error=problem)
    return screened.to_grant


def _unprintable_names(issuer: Issuer, members: list[Member]) -> dict[UUID, str]:
    """Members whose name no certificate font can print: refused before the grant, with
    an error they can act on, rather than found at render after the chain work."""
    with transaction(issuer.engine) as conn:
        found = records.records(conn, [m.id for m in members])
    problems = {r.enrollment_id: name_problem(r.learner_name) for r in found if r.learner_name}
    return {enrollment_id: problem for enrollment_id, problem in problems.items() if problem}


def _isolate_reverts(
    issuer: Issuer, lock: str, members: list[Member]
) -> tuple[list[Member], int | None]:
    """Members that would make grantKeys revert fail alone, with the revert's reason;
    the others, and the node's gas estimate for granting them (if it was asked for)."""

    def gas(batch: Sequence[Member]) -> int:
        data = grant_keys_calldata([m.wallet for m in batch], issuer.key_manager)
        return gas_needed(issuer.w3, issuer.sender.signer.address, lock, data)

    estimate = Estimates(gas, lambda member: member.id)
    bad = culprits(members, estimate)
    if bad:
        # A revert can be a key granted since the screen (MAX_KEYS_REACHED): whoever
        # holds a valid key now is reconciled as granted, not failed.
        need = {m.id for m in _screen(issuer, lock, [member for member, _ in bad])}
        settled = {member.id for member, _ in bad} - need
        members = [m for m in members if m.id not in settled]
        bad = [(member, reason) for member, reason in bad if member.id in need]
    if bad and len(bad) == len(members):
        # Not a member's fault (e.g. the signer may not grant): the batch fails as one.
        raise ChainReverted(bad[0][1])
    if bad:
        with transaction(issuer.engine) as conn:
            for member, reason in bad:
                grants.record_claim_error(conn, [member.id], f"Key grant failed: {reason}")
        for member, reason in bad:
            log.warning("grant_member_isolated", enrollment_id=str(member.id), error=reason)
    culprit_ids = {member.id for member, _ in bad}
    rest = [m for m in members if m.id not in culprit_ids]
    return rest, estimate.known(rest)


def _fail_grant(issuer: Issuer, batch: str, members: list[Member], exc: ChainError) -> NoReturn:
    message = f"Key grant failed: {exc}"
    with transaction(issuer.engine) as conn:
        grants.record_claim_error(conn, [m.id for m in members], message)
    log.error("key_grant_failed", batch=batch, size=len(members), error=message)
    raise KeyGrantFailed(message) from exc

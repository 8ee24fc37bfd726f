"""Issuing certificates: the claim's key grant and the attestation, batched per lock.

The database says what is owed (claims in progress, keys without an
attestation); this module pays it on chain through the TransactionSender and
records the result. A batch id is the sender's ``intent_key``, so a batch is
signed once, ever: a crash anywhere is healed by running the batch again,
which finds the committed transaction (or the keys and attestations already
on chain) instead of sending anew.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from uuid import UUID

import psycopg
import sqlalchemy as sa
import structlog
from web3 import Web3

from certflow.errors import (
    AttestationFailed,
    BadEvent,
    BatchBusy,
    CertflowError,
    CertificateInputError,
    ChainError,
    ChainUnavailable,
    ClaimRefused,
    ConfigError,
    KeyCheckUnavailable,
    KeyGrantFailed,
    KeyNoLongerValid,
)
from certflow.settings import Settings
from chain.abi import checksum
from chain.attestation import (
    CompletionAttestation,
    attest_calldata,
    find_attestation,
    find_attestations,
    get_attestation,
    multi_attest_calldata,
    parse_attested,
)
from chain.devnode import mine_block
from chain.lock import find_key, grant_keys_calldata, has_valid_key, parse_key_transfers
from chain.rpc import chain_errors, make_web3
from chain.sender import SentTransaction, Signer, TransactionSender
from db import certificates
from db.certificates import AttestMember, Member
from db.engine import transaction

log = structlog.get_logger("certflow.issuance")

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

NO_WALLET = "No wallet address on your profile - connect a wallet, then claim again."
BAD_WALLET = "Your wallet address is not a valid address - update it, then claim again."
BAD_LOCK = "Certificate lock address is invalid - please contact support."
NO_LOCK_CONTRACT = (
    "No certificate lock contract at the configured address - please contact support."
)


@dataclass
class Issuer:
    """What a pass needs: settings, the database, web3 clients and the sender."""

    settings: Settings
    engine: sa.Engine
    w3: Web3
    #: A client with the source's short timeout, for "does the learner hold a key?".
    check_w3: Web3
    sender: TransactionSender

    @classmethod
    def build(cls, settings: Settings, engine: sa.Engine) -> Issuer:
        w3 = make_web3(settings.rpc_url, settings.rpc_timeout_seconds)
        url = settings.libpq_url

        def connect() -> psycopg.Connection[Any]:
            return psycopg.connect(url)

        sender = TransactionSender(
            w3,
            Signer.from_settings(settings),
            connect,
            settings.chain_id,
            receipt_timeout=settings.receipt_timeout_seconds,
            nudge=functools.partial(_mine_with_errors, w3) if settings.dev_mine_when_slow else None,
        )
        check_w3 = make_web3(settings.rpc_url, settings.key_check_timeout_seconds)
        return cls(settings, engine, w3, check_w3, sender)

    @property
    def key_manager(self) -> str:
        """The keys' manager: the lock manager, so learners cannot transfer certificates."""
        return self.settings.lock_manager_address or self.sender.signer.address


def _mine_with_errors(w3: Web3) -> None:
    with chain_errors("mining a dev block"):
        mine_block(w3)


@dataclass(frozen=True)
class PassResult:
    """What one grant or attest pass did for the enrollment it was asked about."""

    outcome: str
    batch: str | None = None
    recorded: int = 0


# ------------------------------------------------------------------- grants


def grant_for(issuer: Issuer, enrollment_id: UUID, *, take_over: bool = False) -> PassResult:
    """Grant the claimed enrollment its key, batched with the lock's other waiting claims.

    ``take_over``: finish the enrollment's batch even if another run started it
    recently (a retry of our own failed run, or the reconciler).
    """
    stale = issuer.settings.batch_stale_seconds
    with transaction(issuer.engine) as conn:
        row = certificates.target(conn, enrollment_id, stale)
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
            members = certificates.assign_grant_batch(
                conn, enrollment_id, lock, batch, issuer.settings.grant_batch_max
            )
        if members is None:
            return _busy_or_batched(issuer, enrollment_id, "certificate_grant_batch")
        log.info("grant_batch_assigned", batch=batch, size=len(members), lock_address=lock)
    recorded = finish_grant_batch(issuer, batch, lock)
    return PassResult("granted", batch, recorded)


def _busy_or_batched(issuer: Issuer, enrollment_id: UUID, batch_column: str) -> PassResult:
    """Our row was skipped as locked: fine if another run batched it, else try again.

    A row stays locked briefly by more than batching: a concurrent claim that
    lost the race keeps its row lock until it commits.
    """
    with transaction(issuer.engine) as conn:
        row = certificates.target(conn, enrollment_id, issuer.settings.batch_stale_seconds)
    if row is not None and getattr(row, batch_column) is not None:
        return PassResult("in_batch", getattr(row, batch_column))
    raise BatchBusy()


def _validate_claim(issuer: Issuer, enrollment_id: UUID, wallet: str | None, lock: str) -> None:
    """Bad input is recorded on the enrollment and refused before anything is sent."""
    problem = None
    if not wallet or not wallet.strip():
        problem = NO_WALLET
    elif not _ADDRESS.match(wallet):
        problem = BAD_WALLET
    elif not _ADDRESS.match(lock or ""):
        problem = BAD_LOCK
    else:
        with chain_errors("checking lock contract"):
            code = issuer.w3.eth.get_code(Web3.to_checksum_address(lock))
        if len(code) == 0:
            problem = NO_LOCK_CONTRACT
    if problem is not None:
        with transaction(issuer.engine) as conn:
            certificates.record_claim_error(conn, [enrollment_id], problem)
        log.warning("claim_refused", enrollment_id=str(enrollment_id), error=problem)
        raise CertificateInputError(problem)


def finish_grant_batch(issuer: Issuer, batch: str, lock: str) -> int:
    """Send (or find) the batch's grantKeys and record every key; safe to run again."""
    with transaction(issuer.engine) as conn:
        members = certificates.grant_batch_members(conn, batch)
    if not members:
        return 0
    tx = issuer.sender.find(batch)
    try:
        if tx is None:
            # Nothing signed for this batch: anyone who holds a key already is
            # recorded with the key's real transaction, never granted again.
            members = _record_existing_keys(issuer, lock, members)
            if not members:
                return 0
            data = grant_keys_calldata([m.wallet for m in members], issuer.key_manager)
            sent = issuer.sender.send("grant_keys", batch, lock, data)
        else:
            sent = issuer.sender.complete(tx)
    except ChainUnavailable:
        raise  # retried; the batch and any signed transaction are picked up again
    except ChainError as exc:
        _fail_grant(issuer, batch, members, exc)
    return _record_minted(issuer, batch, lock, members, sent)


def _record_minted(
    issuer: Issuer, batch: str, lock: str, members: list[Member], sent: SentTransaction
) -> int:
    minted = parse_key_transfers(sent.receipt, lock)
    granted = {m.id: sent.tx_hash for m in members if checksum(m.wallet) in minted}
    with transaction(issuer.engine) as conn:
        recorded = certificates.record_keys(conn, granted)
    log.info(
        "keys_granted", batch=batch, tx_hash=sent.tx_hash, keys=len(granted), gas=sent.gas_used
    )
    rest = [m for m in members if m.id not in granted]
    if rest:
        # Not in this transaction (e.g. batched after it was signed): check the
        # chain, and put whoever still has no key back in line.
        rest = _record_existing_keys(issuer, lock, rest)
        with transaction(issuer.engine) as conn:
            certificates.release_grant_batch(conn, [m.id for m in rest])
    return recorded


def _record_existing_keys(issuer: Issuer, lock: str, members: list[Member]) -> list[Member]:
    """Record members who already hold a key; the others, who still need one."""
    held: dict[UUID, str] = {}
    try:
        for member in members:
            if not has_valid_key(issuer.check_w3, lock, member.wallet):
                continue
            key = find_key(issuer.w3, lock, member.wallet)
            if key is None:
                raise ChainUnavailable("key held but its transfer log is not readable yet")
            held[member.id] = key.tx_hash
    except ChainUnavailable as exc:
        # The source's rule: unable to verify means do not grant blindly.
        ids = [m.id for m in members]
        with transaction(issuer.engine) as conn:
            certificates.record_keys(conn, held)
            certificates.record_claim_warning(conn, ids, KeyCheckUnavailable().user_message)
            certificates.release_grant_batch(conn, ids)
        log.warning("key_check_unavailable", lock_address=lock, error=str(exc))
        raise KeyCheckUnavailable() from exc
    if held:
        with transaction(issuer.engine) as conn:
            certificates.record_keys(conn, held)
        log.info("existing_keys_reconciled", lock_address=lock, keys=len(held))
    return [m for m in members if m.id not in held]


def _fail_grant(issuer: Issuer, batch: str, members: list[Member], exc: ChainError) -> NoReturn:
    message = f"Key grant failed: {exc}"
    with transaction(issuer.engine) as conn:
        certificates.record_claim_error(conn, [m.id for m in members], message)
    log.error("key_grant_failed", batch=batch, size=len(members), error=message)
    raise KeyGrantFailed(message) from exc


# ------------------------------------------------------------- attestations


def attest_for(
    issuer: Issuer, enrollment_id: UUID, *, take_over: bool = False, final_attempt: bool = True
) -> PassResult:
    """Attest the enrollment's certificate, batched with other keys waiting for theirs.

    ``final_attempt``: a timeout now is given up on (recorded as pending retry)
    instead of left for the next delivery.
    """
    stale = issuer.settings.batch_stale_seconds
    with transaction(issuer.engine) as conn:
        row = certificates.target(conn, enrollment_id, stale)
    if row is None:
        raise BadEvent(f"enrollment {enrollment_id} not found")
    if not row.certificate_issued:
        return PassResult("not_issued")
    if row.certificate_attestation_uid is not None:
        return PassResult("already_attested")
    if row.certificate_attestation_failed_at is not None:
        return PassResult("failed")  # waits for a retry from the dashboard
    batch = row.certificate_attest_batch
    if batch is not None:
        if not (take_over or row.attest_batch_stale):
            return PassResult("in_batch", batch)
    else:
        batch = f"multi_attest:{uuid.uuid4()}"
        with transaction(issuer.engine) as conn:
            ids = certificates.assign_attest_batch(
                conn, enrollment_id, batch, issuer.settings.attest_batch_max
            )
        if ids is None:
            return _busy_or_batched(issuer, enrollment_id, "certificate_attest_batch")
        log.info("attest_batch_assigned", batch=batch, size=len(ids))
    recorded = finish_attest_batch(issuer, batch, final_attempt=final_attempt)
    return PassResult("attested", batch, recorded)


def _attestation_config(settings: Settings) -> tuple[str, str]:
    settings.require("bootcamp_completion_schema_uid", "eas_contract_address")
    assert settings.bootcamp_completion_schema_uid is not None
    assert settings.eas_contract_address is not None
    return settings.bootcamp_completion_schema_uid, settings.eas_contract_address


def _completion(member: AttestMember) -> CompletionAttestation:
    return CompletionAttestation(
        cohort_id=member.cohort_id,
        cohort_name=member.cohort_name,
        bootcamp_id=member.bootcamp_id,
        bootcamp_title=member.bootcamp_title,
        user_address=member.wallet,
        completion_date=member.completion_date,
        total_xp_earned=member.total_xp,
        certificate_tx_hash=member.tx_hash,
    )


def _attest_data(schema: str, members: Sequence[AttestMember]) -> bytes:
    items = [_completion(m) for m in members]
    return (
        attest_calldata(schema, items[0])
        if len(items) == 1
        else multi_attest_calldata(schema, items)
    )


def finish_attest_batch(issuer: Issuer, batch: str, *, final_attempt: bool = True) -> int:
    """Send (or find) the batch's multiAttest and record every uid; safe to run again."""
    with transaction(issuer.engine) as conn:
        members = certificates.attest_members(conn, certificates.attest_batch_ids(conn, batch))
    if not members:
        return 0
    try:
        schema, eas = _attestation_config(issuer.settings)
        tx = issuer.sender.find(batch)
        if tx is None:
            members = _record_existing_attestations(issuer, schema, eas, members)
            if not members:
                return 0
            sent = issuer.sender.send("multi_attest", batch, eas, _attest_data(schema, members))
        else:
            sent = issuer.sender.complete(tx)
        uids = _match_attested(issuer, eas, sent, members)
    except ChainUnavailable as exc:
        if final_attempt:
            _fail_attest(issuer, batch, members, exc)
        raise
    except (ChainError, ConfigError) as exc:
        _fail_attest(issuer, batch, members, exc)
        raise AttestationFailed() from exc
    with transaction(issuer.engine) as conn:
        recorded = certificates.record_attestations(conn, uids)
    log.info(
        "attested", batch=batch, tx_hash=sent.tx_hash, attestations=len(uids), gas=sent.gas_used
    )
    return recorded


def _record_existing_attestations(
    issuer: Issuer, schema: str, eas: str, members: list[AttestMember]
) -> list[AttestMember]:
    existing = find_attestations(
        issuer.w3,
        eas,
        schema=schema,
        attester=issuer.sender.signer.address,
        wanted=[(m.wallet, m.cohort_id) for m in members],
    )
    found = {
        m.id: existing[(checksum(m.wallet), m.cohort_id)].uid
        for m in members
        if (checksum(m.wallet), m.cohort_id) in existing
    }
    if found:
        with transaction(issuer.engine) as conn:
            certificates.record_attestations(conn, found)
        log.info("existing_attestations_recorded", count=len(found))
    return [m for m in members if m.id not in found]


def _match_attested(
    issuer: Issuer, eas: str, sent: SentTransaction, members: list[AttestMember]
) -> dict[UUID, str]:
    """Which uid the transaction made for which member (by recipient, then by cohort)."""
    by_recipient: dict[str, list[str]] = {}
    for event in parse_attested(sent.receipt, eas):
        by_recipient.setdefault(event.recipient, []).append(event.uid)
    uids: dict[UUID, str] = {}
    for member in members:
        candidates = by_recipient.get(checksum(member.wallet), [])
        if len(candidates) == 1:
            uids[member.id] = candidates[0]
            continue
        for uid in candidates:  # one learner in several cohorts of this batch
            found = get_attestation(issuer.w3, eas, uid)
            if found is not None and found.completion().cohort_id == member.cohort_id:
                uids[member.id] = uid
                break
    return uids


def _fail_attest(
    issuer: Issuer, batch: str, members: Sequence[AttestMember], exc: Exception
) -> None:
    with transaction(issuer.engine) as conn:
        certificates.record_attestation_failed(
            conn, [m.id for m in members], AttestationFailed().user_message, str(exc), batch
        )
    log.error("attestation_failed", batch=batch, size=len(members), error=str(exc))


def retry_attestation(issuer: Issuer, enrollment_id: UUID) -> dict[str, Any]:
    """The source's retryAttestation: 1. find an existing one, 2. key still valid, 3. attest."""
    with transaction(issuer.engine) as conn:
        row = certificates.target(conn, enrollment_id, issuer.settings.batch_stale_seconds)
        members = certificates.attest_members(conn, [enrollment_id])
    if row is None or not members:
        raise BadEvent("Enrollment not found")
    if not row.certificate_issued or not row.certificate_tx_hash:
        raise ClaimRefused("No certificate key found")
    member = members[0]
    schema, eas = _attestation_config(issuer.settings)

    # 1. An attestation made by an earlier run whose result was lost.
    uid = _existing_uid(issuer, schema, eas, member, row.certificate_attest_batch)
    if uid is not None:
        with transaction(issuer.engine) as conn:
            certificates.record_attestations(conn, {enrollment_id: uid})
        log.info("attestation_found", enrollment_id=str(enrollment_id), attestation_uid=uid)
        return {"success": True, "found": True, "uid": uid}

    # 2. The key must still be there.
    if not has_valid_key(issuer.check_w3, row.lock_address, member.wallet):
        raise KeyNoLongerValid()

    # 3. Attest, once per retry attempt (a crashed attempt's key is reused).
    intent_key = f"attest_retry:{enrollment_id}:{row.certificate_retry_count or 0}"
    with transaction(issuer.engine) as conn:
        certificates.take_for_retry(conn, enrollment_id, intent_key)
    try:
        sent = issuer.sender.send("attest", intent_key, eas, _attest_data(schema, [member]))
        uids = _match_attested(issuer, eas, sent, [member])
        if enrollment_id not in uids:
            raise ChainRejected(f"transaction {sent.tx_hash} made no attestation for the learner")
    except ChainError as exc:
        if exc.transient:
            raise  # the same intent key finds the transaction next time
        with transaction(issuer.engine) as conn:
            certificates.count_retry(conn, enrollment_id)
        _fail_attest(issuer, intent_key, [member], exc)
        raise AttestationFailed() from exc
    with transaction(issuer.engine) as conn:
        certificates.record_attestations(conn, uids)
        certificates.count_retry(conn, enrollment_id)
    log.info(
        "attestation_retried", enrollment_id=str(enrollment_id), attestation_uid=uids[enrollment_id]
    )
    return {"success": True, "found": False, "uid": uids[enrollment_id]}


def _existing_uid(
    issuer: Issuer, schema: str, eas: str, member: AttestMember, batch: str | None
) -> str | None:
    found = find_attestation(
        issuer.w3,
        eas,
        schema=schema,
        attester=issuer.sender.signer.address,
        recipient=member.wallet,
        cohort_id=member.cohort_id,
    )
    if found is not None:
        return found.uid
    tx = issuer.sender.find(batch) if batch else None
    if tx is None or tx.status == "failed":
        return None
    # A transaction of an earlier batch or retry that may still mine.
    try:
        sent = issuer.sender.complete(tx)
    except ChainError as exc:
        if exc.transient:
            raise
        return None
    return _match_attested(issuer, eas, sent, [member]).get(member.id)


# -------------------------------------------------------------- reconciler


def reconcile_once(issuer: Issuer) -> dict[str, int]:
    """Heal what is stuck between states: unmined transactions, claims, attestations."""
    older = issuer.settings.reconcile_after_seconds
    counts = {"rebroadcast": issuer.sender.rebroadcast_pending()}
    with transaction(issuer.engine) as conn:
        claims = certificates.stuck_claims(conn, older)
        attestations = certificates.stuck_attestations(conn, older)
    counts["claims"], counts["claims_healed"] = len(claims), 0
    for enrollment_id in claims:
        counts["claims_healed"] += _heal(
            functools.partial(grant_for, issuer, enrollment_id, take_over=True), enrollment_id
        )
    counts["attestations"], counts["attestations_healed"] = len(attestations), 0
    for enrollment_id in attestations:
        # Not the final attempt: a timeout is left for the next pass, not given up on.
        counts["attestations_healed"] += _heal(
            functools.partial(
                attest_for, issuer, enrollment_id, take_over=True, final_attempt=False
            ),
            enrollment_id,
        )
    log.info("reconciled", **counts)
    return counts


def _heal(step: Callable[[], PassResult], enrollment_id: UUID) -> int:
    try:
        result = step()
    except CertflowError as exc:
        # Recorded on the enrollment by the pass itself; the next pass tries again.
        log.warning("reconcile_failed", enrollment_id=str(enrollment_id), error=exc.user_message)
        return 0
    return 1 if result.recorded or result.outcome.startswith("already") else 0

"""The attest pass: a granted key's EAS attestation, batched into one multiAttest.

Like the grant pass, a batch id is the sender's ``intent_key``: running a
batch again finds its transaction (or the attestations already on chain)
instead of attesting twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import structlog

from certflow.errors import (
    AttestationFailed,
    BadEvent,
    CertificateInputError,
    ChainError,
    ChainReverted,
    ConfigError,
)
from certflow.settings import Settings
from chain.abi import checksum
from chain.attestation import (
    attest_calldata,
    find_attestations,
    get_attestation,
    multi_attest_calldata,
    parse_attested,
)
from chain.transactions import SentTransaction, block_gas_limit, gas_needed
from db import attestations, claims, records
from db.batches import batch_owner
from db.engine import transaction
from db.records import CertificateRecord
from issuance.certificates.issuer import Issuer, PassResult, busy_or_batched, fail_attest
from issuance.certificates.offchain_attest import INTENT as OFFCHAIN_INTENT
from issuance.certificates.offchain_attest import finish_anchor_batch, is_offchain_batch
from issuance.certificates.records import completion_attestation
from issuance.transactions.batching import Estimates, culprits, fitting_count

log = structlog.get_logger("certflow.issuance")


def attest_for(issuer: Issuer, enrollment_id: UUID, *, take_over: bool = False) -> PassResult:
    """Attest the enrollment's certificate, batched with other keys waiting for theirs.

    A node outage never fails the learner: the error is transient, the batch
    keeps its members, and retries or the reconciler finish it. ``take_over``
    (a retry, the reconciler) finishes a batch another run started, but only
    if that run is gone: a batch is sent under its owner lock (``db.batches``).
    """
    stale = issuer.settings.batch_stale_seconds
    with transaction(issuer.engine) as conn:
        row = claims.target(conn, enrollment_id, stale)
    if row is None:
        raise BadEvent(f"enrollment {enrollment_id} not found")
    settled = _settled(row)
    if settled is not None:
        return settled
    batch = row.certificate_attest_batch
    # A batch finishes in the mode it began in, even if its bootcamp's mode changed since.
    offchain = is_offchain_batch(batch) or (batch is None and row.attestation_mode == "offchain")
    if batch is not None:
        if not (take_over or row.attest_batch_stale):
            return PassResult("in_batch", batch)
    else:
        batch = _assign_batch(issuer, enrollment_id, offchain)
        if batch is None:
            return busy_or_batched(issuer, enrollment_id, "certificate_attest_batch")
    finish = finish_anchor_batch if offchain else finish_attest_batch
    with batch_owner(issuer.engine, batch) as owner:
        if not owner:  # its owner is alive and sending it: a take-over would race it
            log.info("batch_sent_elsewhere", batch=batch)
            return PassResult("in_batch", batch)
        return PassResult("attested", batch, finish(issuer, batch))


def _assign_batch(issuer: Issuer, enrollment_id: UUID, offchain: bool) -> str | None:
    """A new batch of keys of one mode, ours first: signed and anchored with
    multiTimestamp (off-chain), or one multiAttest; None when our key is taken."""
    if offchain:
        batch, limit = f"{OFFCHAIN_INTENT}:{uuid.uuid4()}", issuer.settings.anchor_batch_max
    else:
        batch, limit = f"multi_attest:{uuid.uuid4()}", issuer.settings.attest_batch_max
    mode = "offchain" if offchain else "onchain"
    with transaction(issuer.engine) as conn:
        ids = attestations.assign_attest_batch(conn, enrollment_id, batch, limit, mode)
    if ids is None:
        return None
    log.info("attest_batch_assigned", batch=batch, size=len(ids), mode=mode)
    return batch


def _settled(row: Any) -> PassResult | None:
    """Why there is nothing to attest, in either mode; None when there is."""
    if not row.certificate_issued:
        return PassResult("not_issued")
    if row.certificate_attestation_uid is not None:
        return PassResult("already_attested")
    if row.certificate_attestation_failed_at is not None:
        return PassResult("failed")  # waits for a retry from the dashboard
    return None


def attestation_config(settings: Settings) -> tuple[str, str]:
    """The schema UID and the EAS address; ConfigError naming whichever is missing."""
    schema, eas = settings.bootcamp_completion_schema_uid, settings.eas_contract_address
    if schema is None or eas is None:
        settings.require("bootcamp_completion_schema_uid", "eas_contract_address")
        raise ConfigError("missing attestation configuration")  # require() raised already
    return schema, eas


def attest_data(schema: str, members: Sequence[CertificateRecord]) -> bytes:
    items = [completion_attestation(m) for m in members]
    return (
        attest_calldata(schema, items[0])
        if len(items) == 1
        else multi_attest_calldata(schema, items)
    )


def finish_attest_batch(issuer: Issuer, batch: str) -> int:
    """Send (or find) the batch's multiAttest and record every uid; safe to run again.

    Before signing, members whose record cannot be attested or who make the
    call revert fail alone, and members beyond what fits the block's gas
    move to a follow-up batch, finished right after this one.
    """
    with transaction(issuer.engine) as conn:
        members = records.records(conn, attestations.attest_batch_ids(conn, batch))
    if not members:
        return 0
    follow_up = None
    try:
        schema, eas = attestation_config(issuer.settings)
        tx = issuer.sender.find(batch)
        if tx is None:
            members = _record_existing_attestations(issuer, schema, eas, members)
            estimate = _estimates(issuer, schema, eas)
            members = _screen(issuer, batch, schema, eas, members, estimate)
            if not members:
                return 0
            members, follow_up = _fit_block(issuer, batch, members, estimate)
            data, known = attest_data(schema, members), estimate.known(members)
            sent = issuer.sender.send("multi_attest", batch, eas, data, estimate=known)
        else:
            sent = issuer.sender.complete(tx)
        uids = match_attested(issuer, eas, sent, members)
    except ChainError as exc:
        if exc.transient:
            raise  # an outage waits: retried, the batch keeps its members
        fail_attest(issuer, batch, members, exc)
        raise AttestationFailed() from exc
    except (ConfigError, CertificateInputError) as exc:
        fail_attest(issuer, batch, members, exc)
        raise AttestationFailed() from exc
    with transaction(issuer.engine) as conn:
        recorded = attestations.record_attestations(conn, uids)
    log.info(
        "attested", batch=batch, tx_hash=sent.tx_hash, attestations=len(uids), gas=sent.gas_used
    )
    return recorded + (_finish_follow_up(issuer, follow_up) if follow_up else 0)


def _finish_follow_up(issuer: Issuer, batch: str) -> int:
    """The members that did not fit, in a batch of their own that we own from the start."""
    with batch_owner(issuer.engine, batch) as owner:
        return finish_attest_batch(issuer, batch) if owner else 0


def _estimates(issuer: Issuer, schema: str, eas: str) -> Estimates[CertificateRecord]:
    """The node's gas for parts of one batch, each part asked for once."""

    def estimate(part: Sequence[CertificateRecord]) -> int:
        data = attest_data(schema, part)
        return gas_needed(issuer.w3, issuer.sender.signer.address, eas, data)

    return Estimates(estimate, lambda member: member.enrollment_id)


def _screen(
    issuer: Issuer,
    batch: str,
    schema: str,
    eas: str,
    members: list[CertificateRecord],
    estimate: Estimates[CertificateRecord],
) -> list[CertificateRecord]:
    """Members that cannot be attested, or that make multiAttest revert, fail alone."""
    bad: list[tuple[CertificateRecord, str]] = []
    good: list[CertificateRecord] = []
    for member in members:
        try:
            completion_attestation(member)
            good.append(member)
        except CertificateInputError as exc:
            bad.append((member, str(exc)))
    reverting = culprits(good, estimate)
    if reverting and len(reverting) == len(good):
        raise ChainReverted(reverting[0][1])  # not a member's fault: the batch fails as one
    for member, reason in bad + reverting:
        fail_attest(issuer, f"{batch}:{member.enrollment_id}", [member], reason)
    failed = {member.enrollment_id for member, _ in bad + reverting}
    return [m for m in good if m.enrollment_id not in failed]


def _fit_block(
    issuer: Issuer,
    batch: str,
    members: list[CertificateRecord],
    estimate: Estimates[CertificateRecord],
) -> tuple[list[CertificateRecord], str | None]:
    """The members that fit one block's gas; the rest move to a follow-up batch (its id)."""
    count = fitting_count(members, estimate, block_gas_limit(issuer.w3))
    if count == len(members):
        return members, None
    follow_up = f"multi_attest:{uuid.uuid4()}"
    with transaction(issuer.engine) as conn:
        attestations.move_to_batch(conn, [m.enrollment_id for m in members[count:]], follow_up)
    log.info("attest_batch_split", batch=batch, kept=count, follow_up=follow_up)
    return members[:count], follow_up


def _record_existing_attestations(
    issuer: Issuer, schema: str, eas: str, members: list[CertificateRecord]
) -> list[CertificateRecord]:
    existing = find_attestations(
        issuer.w3,
        eas,
        schema=schema,
        attester=issuer.sender.signer.address,
        wanted=[(m.wallet_address or "", m.cohort_id) for m in members],
        scan=issuer.scan,
    )
    found = {
        m.enrollment_id: existing[(checksum(m.wallet_address or ""), m.cohort_id)].uid
        for m in members
        if (checksum(m.wallet_address or ""), m.cohort_id) in existing
    }
    if found:
        with transaction(issuer.engine) as conn:
            attestations.record_attestations(conn, found)
        log.info("existing_attestations_recorded", count=len(found))
    return [m for m in members if m.enrollment_id not in found]


def match_attested(
    issuer: Issuer, eas: str, sent: SentTransaction, members: list[CertificateRecord]
) -> dict[UUID, str]:
    """Which uid the transaction made for which member (by recipient, then by cohort)."""
    by_recipient: dict[str, list[str]] = {}
    for event in parse_attested(sent.receipt, eas):
        by_recipient.setdefault(event.recipient, []).append(event.uid)
    uids: dict[UUID, str] = {}
    for member in members:
        candidates = by_recipient.get(checksum(member.wallet_address or ""), [])
        if len(candidates) == 1:
            uids[member.enrollment_id] = candidates[0]
            continue
        for uid in candidates:  # one learner in several cohorts of this batch
            found = get_attestation(issuer.w3, eas, uid)
            if found is not None and found.completion().cohort_id == member.cohort_id:
                uids[member.enrollment_id] = uid
                break
    return uids

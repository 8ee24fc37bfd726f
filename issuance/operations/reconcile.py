"""The reconciler: heals every stuck state from Postgres alone, once or every N seconds.

Each state is healed on its own (its own transaction, its own failure): the
Postgres part re-emits work through the outbox (completions, automatic
claims, certificates to render, messages lost with Redis) and prunes what the
retention window no longer needs; the chain part (unmined transactions, stale
claims, missing attestations) runs when a chain is configured and reports
itself not done when the node cannot be reached, without stopping the rest.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.errors import CertflowError, ChainUnavailable
from certflow.settings import Settings
from chain.rpc import chain_errors
from db import attestations, grants
from db import reconcile as states
from db.engine import make_engine, rehearsal, transaction
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer, PassResult
from issuance.operations.reorgs import heal_reorgs

log = structlog.get_logger("certflow.reconcile")

Report = dict[str, Any]


def run(
    settings: Settings,
    every: float | None,
    stop: threading.Event | None = None,
    *,
    routes: Mapping[str, Sequence[str]],
    dry_run: bool = False,
) -> Report:
    """One pass, or (with ``every``) passes until ``stop`` is set; the last pass's report."""
    engine = make_engine(settings, pool_size=2)
    stop = stop or threading.Event()
    report: Report = {}
    try:
        while True:
            report = reconcile_once(settings, engine, routes, dry_run=dry_run)
            if every is None or stop.wait(every):
                return report
    finally:
        engine.dispose()


def reconcile_once(
    settings: Settings,
    engine: sa.Engine,
    routes: Mapping[str, Sequence[str]],
    *,
    dry_run: bool = False,
    retention: bool = True,
) -> Report:
    """Every state, each on its own; ``not_done`` names the parts that failed.

    ``retention=False`` heals without pruning (the scheduler prunes as a job of its own).
    """
    report: Report = {"dry_run": dry_run, "not_done": {}}
    steps = _steps(settings, routes)
    if not retention:
        steps = {name: step for name, step in steps.items() if name not in RETENTION_STATES}
    report.update(_postgres_part(engine, steps, dry_run, report["not_done"]))
    report["chain"] = _chain_part(settings, engine, dry_run, report["not_done"])
    log.info("reconciled", **{k: v for k, v in report.items() if k != "chain"})
    return report


#: The states that prune rather than heal: retention.
RETENTION_STATES = ("pruned_outbox", "pruned_ledger")


def prune_once(settings: Settings, engine: sa.Engine) -> Report:
    """Retention alone: dispatched events and ledger keys past ``RETENTION_SECONDS``."""
    steps = {name: step for name, step in _steps(settings, {}).items() if name in RETENTION_STATES}
    report: Report = {"not_done": {}}
    report.update(_postgres_part(engine, steps, False, report["not_done"]))
    log.info("pruned", **report)
    return report


def _steps(
    settings: Settings, routes: Mapping[str, Sequence[str]]
) -> dict[str, Callable[[sa.Connection], int]]:
    older, batch = settings.reconcile_after_seconds, settings.reconcile_batch
    return {
        "completions": functools.partial(states.complete_enrollments, limit=batch),
        "auto_claims": functools.partial(states.resend_auto_claims, older_than=older, limit=batch),
        "renders": functools.partial(states.resend_renders, older_than=older, limit=batch),
        "lost_messages": functools.partial(
            states.resend_lost,
            routes=routes,
            older_than=settings.redeliver_after_seconds,
            window=settings.retention_seconds // 2,
            limit=batch,
        ),
        "webhook_fan_outs": functools.partial(
            states.fan_out_webhooks,
            older_than=older,
            window=settings.retention_seconds // 2,
            limit=batch,
            verify_base=settings.verify_base_url,
            site_base=settings.verify_base_url.rstrip("/").removesuffix("/verify"),
        ),
        "webhook_resends": functools.partial(states.resend_webhooks, older_than=older, limit=batch),
        "pruned_outbox": functools.partial(_prune, states.prune_outbox, settings),
        "pruned_ledger": functools.partial(_prune, states.prune_ledger, settings),
    }


def _postgres_part(
    engine: sa.Engine,
    steps: Mapping[str, Callable[[sa.Connection], int]],
    dry_run: bool,
    not_done: dict[str, str],
) -> Report:
    report: Report = {}
    for name, step in steps.items():
        try:
            with rehearsal(engine, dry_run=dry_run) as conn:
                report[name] = step(conn)
        except CertflowError as exc:
            # One state failing (a lock timeout, a constraint) leaves the others to heal.
            report[name] = None
            not_done[name] = exc.user_message
            log.warning("reconcile_state_failed", state=name, error=exc.user_message)
    return report


def _prune(statement: Callable[..., int], settings: Settings, conn: sa.Connection) -> int:
    """Bounded batches, each its own statement, until one comes back short."""
    total = 0
    for _ in range(settings.prune_max_batches):
        pruned = statement(conn, older_than=settings.retention_seconds, limit=settings.prune_batch)
        total += pruned
        if pruned < settings.prune_batch:
            break
    return total


def chain_configured(settings: Settings) -> bool:
    return None not in (
        settings.signer_private_key,
        settings.eas_contract_address,
        settings.bootcamp_completion_schema_uid,
    )


def _chain_part(
    settings: Settings, engine: sa.Engine, dry_run: bool, not_done: dict[str, str]
) -> Report | str:
    if not chain_configured(settings):
        return "skipped: no chain configured"
    older = settings.reconcile_after_seconds
    try:
        if dry_run:
            with transaction(engine) as conn:
                return {
                    "claims": len(grants.stuck_claims(conn, older)),
                    "attestations": len(attestations.stuck_attestations(conn, older)),
                }
        return reconcile_chain(Issuer.build(settings, engine))
    except CertflowError as exc:
        not_done["chain"] = exc.user_message
        log.warning("reconcile_chain_not_done", error=exc.user_message)
        return f"not done: {exc.user_message}"


def reconcile_chain(issuer: Issuer) -> dict[str, int]:
    """Heal what is stuck on the chain side: unmined transactions, claims, attestations.

    A node that cannot be reached stops this part at once (ChainUnavailable
    propagates): every enrollment would time out the same way.
    """
    older = issuer.settings.reconcile_after_seconds
    # Asked first so that an unreachable node is reported even when nothing is stuck.
    with chain_errors("reaching the node"):
        counts = {"block": int(issuer.w3.eth.block_number)}
    # The counter never falls behind the chain (a stray send, a restored backup).
    issuer.sender.sync_nonce()
    counts["rebroadcast"] = issuer.sender.rebroadcast_pending()
    counts.update(heal_reorgs(issuer))
    with transaction(issuer.engine) as conn:
        stuck_claims = grants.stuck_claims(conn, older)
        stuck_attestations = attestations.stuck_attestations(conn, older)
    counts["claims"], counts["claims_healed"] = len(stuck_claims), 0
    for enrollment_id in stuck_claims:
        counts["claims_healed"] += _heal(
            functools.partial(grant_for_enrollment, issuer, enrollment_id), enrollment_id
        )
    counts["attestations"], counts["attestations_healed"] = len(stuck_attestations), 0
    for enrollment_id in stuck_attestations:
        counts["attestations_healed"] += _heal(
            functools.partial(attest_enrollment, issuer, enrollment_id), enrollment_id
        )
    return counts


def grant_for_enrollment(issuer: Issuer, enrollment_id: UUID) -> PassResult:
    return grant_for(issuer, enrollment_id, take_over=True)


def attest_enrollment(issuer: Issuer, enrollment_id: UUID) -> PassResult:
    return attest_for(issuer, enrollment_id, take_over=True)


def _heal(step: Callable[[], PassResult], enrollment_id: UUID) -> int:
    try:
        result = step()
    except ChainUnavailable:
        raise
    except CertflowError as exc:
        # Recorded on the enrollment by the pass itself; the next pass tries again.
        log.warning("reconcile_failed", enrollment_id=str(enrollment_id), error=exc.user_message)
        return 0
    return 1 if result.recorded or result.outcome.startswith("already") else 0

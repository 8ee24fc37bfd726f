"""The reconciler: heals certificates stuck between states, once or every N seconds."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from uuid import UUID

import structlog

from certflow.errors import CertflowError
from certflow.settings import Settings
from db import attestations, grants
from db.engine import make_engine, transaction
from issuance.attestations import attest_for
from issuance.grants import grant_for
from issuance.issuer import Issuer, PassResult
from issuance.reorgs import heal_reorgs

log = structlog.get_logger("certflow.reconcile")


def run(
    settings: Settings, every: float | None, stop: threading.Event | None = None
) -> dict[str, int]:
    """One pass, or (with ``every``) passes until ``stop`` is set; the last pass's counts."""
    engine = make_engine(settings, pool_size=2)
    stop = stop or threading.Event()
    counts: dict[str, int] = {}
    try:
        issuer = Issuer.build(settings, engine)
        while True:
            try:
                counts = reconcile_once(issuer)
            except CertflowError as exc:
                if every is None:
                    raise
                log.warning("reconcile_pass_failed", error=exc.user_message)
            if every is None or stop.wait(every):
                return counts
    finally:
        engine.dispose()


def reconcile_once(issuer: Issuer) -> dict[str, int]:
    """Heal what is stuck between states: unmined transactions, claims, attestations."""
    older = issuer.settings.reconcile_after_seconds
    # The counter never falls behind the chain (a stray send, a restored backup).
    issuer.sender.sync_nonce()
    counts = {"rebroadcast": issuer.sender.rebroadcast_pending()}
    counts.update(heal_reorgs(issuer))
    with transaction(issuer.engine) as conn:
        stuck_claims = grants.stuck_claims(conn, older)
        stuck_attestations = attestations.stuck_attestations(conn, older)
    counts["claims"], counts["claims_healed"] = len(stuck_claims), 0
    for enrollment_id in stuck_claims:
        counts["claims_healed"] += _heal(
            functools.partial(grant_for, issuer, enrollment_id, take_over=True), enrollment_id
        )
    counts["attestations"], counts["attestations_healed"] = len(stuck_attestations), 0
    for enrollment_id in stuck_attestations:
        # Not the final attempt: a timeout is left for the next pass, not given up on.
        counts["attestations_healed"] += _heal(
            functools.partial(attest_for, issuer, enrollment_id, take_over=True),
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

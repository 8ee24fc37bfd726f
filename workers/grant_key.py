"""grant_key: a certificate was claimed; grant the learner's key (batched per lock)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from events.messages import Delivery
from events.schemas import ClaimRequested, parse
from workers import policy
from workers.processed import mark_processed
from workers.runtime import Runtime

log = structlog.get_logger("certflow.grant_key")


def grant_key(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Key on chain (or the existing one found), recorded with certificate.key_granted."""
    # Imported on the first message: a worker for other queues never loads web3 or
    # ReportLab, so it boots (and takes its first message) in well under a second.
    from issuance.certificates import grants

    event = parse(ClaimRequested, "certificate.claim_requested", payload)
    result = grants.grant_for(
        rt.issuer, UUID(str(event.enrollment_id)), take_over=policy.is_retry(delivery)
    )
    log.info("grant_key_done", outcome=result.outcome, batch=result.batch, recorded=result.recorded)
    mark_processed(rt.engine, delivery)

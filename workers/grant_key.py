"""grant_key: a certificate was claimed; grant the learner's key (batched per lock)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import dramatiq
import structlog

from certflow.errors import PermanentError
from chain import issuance
from events.schemas import ClaimRequested, validate
from workers.broker import broker
from workers.chain_runtime import issuer, mark_processed, retries

log = structlog.get_logger("certflow.grant_key")


@dramatiq.actor(queue_name="chain", broker=broker, throws=(PermanentError,))
def grant_key(payload: dict[str, Any]) -> None:
    """Key on chain (or the existing one found), recorded with certificate.key_granted."""
    event = validate("certificate.claim_requested", payload)
    assert isinstance(event, ClaimRequested)
    # A retry finishes its own batch even though it was started moments ago.
    result = issuance.grant_for(issuer(), UUID(str(event.enrollment_id)), take_over=retries() > 0)
    log.info("grant_key_done", outcome=result.outcome, batch=result.batch, recorded=result.recorded)
    mark_processed()

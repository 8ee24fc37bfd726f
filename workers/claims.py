"""auto_claim: with AUTO_CLAIM=true, a completed enrollment claims its certificate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from db import claims, ledger
from db.engine import transaction
from events.messages import Delivery
from events.schemas import EnrollmentEvent, parse
from workers.runtime import Runtime

log = structlog.get_logger("certflow.claims")


def auto_claim(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Claim on the learner's behalf, exactly as the button would."""
    event = parse(EnrollmentEvent, "enrollment.completed", payload)
    if not rt.settings.auto_claim:
        log.debug("auto_claim_off")
        return
    with transaction(rt.engine) as conn:
        if not ledger.claim(conn, delivery.actor, delivery.idempotency_key, delivery.message_id):
            return
        result = claims.request_claim(conn, rt.settings, UUID(str(event.enrollment_id)))
    # A refusal (feature off, lock not configured) is the learner's state, not a failure.
    log.info("auto_claimed", success=result.get("success"), error=result.get("error"))

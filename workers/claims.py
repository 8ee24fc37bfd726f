"""auto_claim: with AUTO_CLAIM on (the flags row), a completed enrollment claims its certificate."""

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
    with transaction(rt.engine) as conn:
        if not ledger.claim(conn, delivery.actor, delivery.idempotency_key, delivery.message_id):
            return
        enrollment_id = UUID(str(event.enrollment_id))
        result = claims.auto_claim(conn, enrollment_id)
        if result is None or result.get("code") in claims.FIXABLE_REFUSALS:
            # Not the learner's final state: the key goes back, so the
            # reconciler's re-send after the fix (flag on, lock set) claims.
            ledger.release(conn, delivery.actor, delivery.idempotency_key)
        if result is not None and result.get("code") == "not_configured":
            # Bad input (no lock address): recorded where an admin sees it.
            claims.record_refusal(conn, enrollment_id, str(result["error"]))
    if result is None:
        log.debug("auto_claim_off")
        return
    # A refusal (feature off, lock not configured) is the learner's state, not a failure.
    log.info("auto_claimed", success=result.get("success"), error=result.get("error"))

"""auto_claim: with AUTO_CLAIM=true, a completed enrollment claims its certificate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import dramatiq
import structlog

from certflow.errors import PermanentError
from db import claims, ledger
from db.engine import transaction
from events.schemas import EnrollmentEvent, validate
from workers import runtime
from workers.broker import broker
from workers.delivery import current_delivery

log = structlog.get_logger("certflow.claims")


@dramatiq.actor(queue_name="completion", broker=broker, throws=(PermanentError,))
def auto_claim(payload: dict[str, Any]) -> None:
    """Claim on the learner's behalf, exactly as the button would."""
    event = validate("enrollment.completed", payload)
    assert isinstance(event, EnrollmentEvent)
    current = runtime.current()
    if not current.settings.auto_claim:
        log.debug("auto_claim_off")
        return
    delivery = current_delivery()
    with transaction(current.engine) as conn:
        if not ledger.claim(conn, delivery.actor, delivery.idempotency_key, delivery.message_id):
            return
        result = claims.request_claim(conn, current.settings, UUID(str(event.enrollment_id)))
    # A refusal (feature off, lock not configured) is the learner's state, not a failure.
    log.info("auto_claimed", success=result.get("success"), error=result.get("error"))

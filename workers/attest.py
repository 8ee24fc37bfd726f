"""attest: a key was granted; record its EAS attestation (batched into multiAttest)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import dramatiq
import structlog

from certflow.errors import PermanentError
from chain import issuance
from events.schemas import EnrollmentEvent, validate
from workers.broker import broker
from workers.chain_runtime import is_final_attempt, issuer, mark_processed, retries

log = structlog.get_logger("certflow.attest")


@dramatiq.actor(queue_name="chain", broker=broker, throws=(PermanentError,))
def attest(payload: dict[str, Any]) -> None:
    """Attestation on chain, recorded with certificate.attested (or attestation_failed)."""
    event = validate("certificate.key_granted", payload)
    assert isinstance(event, EnrollmentEvent)
    result = issuance.attest_for(
        issuer(),
        UUID(str(event.enrollment_id)),
        take_over=retries() > 0,
        final_attempt=is_final_attempt(),
    )
    log.info("attest_done", outcome=result.outcome, batch=result.batch, recorded=result.recorded)
    mark_processed()

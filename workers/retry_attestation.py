"""retry_attestation: a learner asked (through the API) to retry a failed attestation.

The source's retryAttestation, as the admin command runs it: an attestation
already made is found and recorded, the key must still be valid, then one
attestation per retry attempt (its intent key names the attempt, so a
redelivery finds the transaction instead of attesting twice).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from events.messages import Delivery
from events.schemas import EnrollmentEvent, parse
from workers.processed import mark_processed
from workers.runtime import Runtime

log = structlog.get_logger("certflow.attest")


def retry_attestation(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    from issuance.operations.attest_retry import retry_attestation as retry

    event = parse(EnrollmentEvent, "certificate.attestation_retry_requested", payload)
    result = retry(rt.issuer, UUID(str(event.enrollment_id)))
    log.info("attestation_retry_done", found=result.get("found"), uid=result.get("uid"))
    mark_processed(rt.engine, delivery)

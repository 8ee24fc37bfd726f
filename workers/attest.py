"""attest: a key was granted; record its EAS attestation (batched into multiAttest)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from events.messages import Delivery
from events.schemas import EnrollmentEvent, parse
from workers import policy
from workers.processed import mark_processed
from workers.runtime import Runtime

log = structlog.get_logger("certflow.attest")


def attest(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Attestation on chain, recorded with certificate.attested (or attestation_failed)."""
    # Imported on the first message: a worker for other queues never loads web3 or
    # ReportLab, so it boots (and takes its first message) in well under a second.
    from issuance.certificates import attest_drain, attestations

    event = parse(EnrollmentEvent, "certificate.key_granted", payload)
    result = attestations.attest_for(
        rt.issuer,
        UUID(str(event.enrollment_id)),
        take_over=policy.is_retry(delivery),
    )
    log.info("attest_done", outcome=result.outcome, batch=result.batch, recorded=result.recorded)
    mark_processed(rt.engine, delivery)
    if result.outcome == "attested":
        # This message's work is done and recorded; the thread goes on with keys waiting.
        more = attest_drain.attest_waiting(rt.issuer)
        if more:
            log.info("attest_drained", recorded=more)

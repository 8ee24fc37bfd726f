"""render_certificate: the chain steps of a claim are settled; print the certificate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from db.ledger import LedgerKey
from events.messages import Delivery
from events.schemas import EnrollmentEvent, parse
from workers.metrics import RENDERED
from workers.runtime import Runtime


def render_certificate(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Key granted and attestation recorded or pending → a PDF in storage and a row, once."""
    # Imported on the first message: a worker for other queues never loads web3 or
    # ReportLab, so it boots (and takes its first message) in well under a second.
    from issuance.certificates import certificate_pdf

    # certificate.attested and certificate.attestation_failed carry the same payload.
    event = parse(EnrollmentEvent, "certificate.attested", payload)
    result = certificate_pdf.render_certificate(
        rt.engine,
        rt.store,
        rt.settings,
        UUID(str(event.enrollment_id)),
        LedgerKey(delivery.actor, delivery.idempotency_key, delivery.message_id),
    )
    if result.outcome is certificate_pdf.Outcome.RENDERED:
        RENDERED.inc()

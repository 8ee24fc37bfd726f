"""render_certificate: the chain steps of a claim are settled; print the certificate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import dramatiq

from certflow.errors import PermanentError
from events.schemas import EnrollmentEvent, validate
from render import service
from workers import runtime
from workers.broker import broker
from workers.delivery import current_delivery


def run_render(payload: dict[str, Any]) -> service.RenderResult:
    # certificate.attested and certificate.attestation_failed carry the same payload.
    event = validate("certificate.attested", payload)
    assert isinstance(event, EnrollmentEvent)
    delivery = current_delivery()
    rt = runtime.current()
    return service.render_certificate(
        rt.engine,
        service.store_for(rt.settings),
        rt.settings,
        UUID(str(event.enrollment_id)),
        service.LedgerKey(delivery.actor, delivery.idempotency_key, delivery.message_id),
    )


@dramatiq.actor(queue_name="render", broker=broker, throws=(PermanentError,))
def render_certificate(payload: dict[str, Any]) -> None:
    """Key granted and attestation recorded or pending → a PDF in storage and a row, once."""
    run_render(payload)

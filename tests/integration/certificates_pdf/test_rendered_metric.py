"""The render workers count what they render: one per new PDF, none for a duplicate
delivery of the same event."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prometheus_client import REGISTRY

from tests.fixtures.database import wait_until
from tests.integration.certificates_pdf.conftest import certificate_rows, emit, settled_learner
from tests.integration.helpers import processed

RENDERED = "certflow_certificates_rendered_total"


def _rendered() -> float:
    return REGISTRY.get_sample_value(RENDERED) or 0.0


def test_a_rendered_certificate_counts_once_and_a_replayed_event_not_at_all(
    engine: sa.Engine, relay: Any, worker: Any
) -> None:
    learner = settled_learner(engine)
    before = _rendered()

    key = emit(engine, "certificate.attested", learner.enrollment_id)
    wait_until(lambda: certificate_rows(engine, learner.enrollment_id))
    wait_until(lambda: _rendered() == before + 1)
    emit(engine, "certificate.attested", learner.enrollment_id, key=key + ":again")
    wait_until(lambda: processed(engine, "render_certificate") == 2)

    assert _rendered() == before + 1
    assert len(certificate_rows(engine, learner.enrollment_id)) == 1

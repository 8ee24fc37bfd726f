"""The render actor's output, end to end: outbox event → relay → render_certificate →
a PDF object in S3 and a row in ``certificates``."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from db import certificates, records
from issuance.certificates.records import certificate_data
from render.certificate import render_pdf
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.integration.certificates_pdf.conftest import (
    ATTESTATION_UID,
    KEY_TX,
    LOCK,
    VERIFY_BASE_URL,
    certificate_rows,
    emit,
    object_keys,
    pdftotext,
    qr_payloads,
    set_attestation,
    settled_learner,
)
from tests.integration.helpers import processed


def _rows_with(engine: sa.Engine, enrollment: uuid.UUID, count: int) -> list[sa.Row[Any]]:
    found: list[sa.Row[Any]] = wait_until(
        lambda: (r := certificate_rows(engine, enrollment)) and len(r) >= count and r
    )
    return found


def test_attested_certificate_is_stored_readable_and_recorded(
    engine: sa.Engine, store: ObjectStore, relay: Any, worker: Any, tmp_path: Path
) -> None:
    learner = settled_learner(engine)

    emit(engine, "certificate.attested", learner.enrollment_id)

    [row] = _rows_with(engine, learner.enrollment_id, 1)
    cert_id = uuid.uuid5(certificates.CERTIFICATE_IDS, f"{learner.enrollment_id}:1")
    assert row.id == cert_id
    assert (row.version, row.superseded_at, row.attestation_uid) == (1, None, ATTESTATION_UID)
    assert row.object_key == f"{learner.prefix}{cert_id}.pdf"
    pdf = store.get(row.object_key)
    assert row.sha256 == hashlib.sha256(pdf).hexdigest()
    assert row.size_bytes == len(pdf)
    assert object_keys(store, learner.prefix) == [row.object_key]

    info = store.stat(row.object_key)
    assert info.content_type == "application/pdf"
    assert info.metadata == {
        "enrollment-id": str(learner.enrollment_id),
        "certificate-id": str(cert_id),
        "attestation-uid": ATTESTATION_UID,
        "sha256": row.sha256,
        "certificate-version": "1",
    }

    text = pdftotext(pdf)
    for printed in (
        "Amélie Dubois",
        "Solidity Foundations Bootcamp",
        "Cohort 7 — Lagos",
        "12 March 2025",
        ATTESTATION_UID,
        str(cert_id),
        KEY_TX,
        LOCK,
        "450 XP",
    ):
        assert printed in text, printed
    png = tmp_path / "certificate.png"
    assert qr_payloads(pdf, out=png) == [f"{VERIFY_BASE_URL}/{cert_id}"]
    assert processed(engine, "render_certificate") == 1


def test_pending_attestation_then_success_renders_a_second_version(
    engine: sa.Engine, store: ObjectStore, relay: Any, worker: Any
) -> None:
    learner = settled_learner(engine, attestation_uid=None)

    emit(engine, "certificate.attestation_failed", learner.enrollment_id)
    [first] = _rows_with(engine, learner.enrollment_id, 1)
    assert first.attestation_uid is None
    first_pdf = store.get(first.object_key)
    assert "Attestation pending" in pdftotext(first_pdf)
    assert store.stat(first.object_key).metadata["attestation-uid"] == "pending"

    set_attestation(engine, learner.enrollment_id, ATTESTATION_UID)
    emit(engine, "certificate.attested", learner.enrollment_id)
    old, new = _rows_with(engine, learner.enrollment_id, 2)

    assert (old.version, new.version) == (1, 2)
    assert old.superseded_at is not None
    assert new.superseded_at is None
    assert new.attestation_uid == ATTESTATION_UID
    assert new.id == uuid.uuid5(certificates.CERTIFICATE_IDS, f"{learner.enrollment_id}:2")
    new_pdf = store.get(new.object_key)
    assert ATTESTATION_UID in pdftotext(new_pdf)
    assert store.stat(new.object_key).metadata["certificate-version"] == "2"
    # The first version's object stays as it was: a PDF already handed out still verifies.
    assert store.get(old.object_key) == first_pdf
    assert object_keys(store, learner.prefix) == sorted([old.object_key, new.object_key])

    # A late failure event for an attested certificate changes nothing.
    emit(engine, "certificate.attestation_failed", learner.enrollment_id)
    wait_until(lambda: processed(engine, "render_certificate") == 3)
    assert [r.version for r in certificate_rows(engine, learner.enrollment_id)] == [1, 2]
    assert len(object_keys(store, learner.prefix)) == 2


@pytest.mark.parametrize(
    "name",
    ["Анна Сергеевна Кузнецова", "王小明", "Ngozi Okonkwo-Adébáyọ̀"],
    ids=["cyrillic", "cjk", "latin-diacritics"],
)
def test_unicode_names_go_through_the_actor(
    engine: sa.Engine, store: ObjectStore, relay: Any, worker: Any, name: str
) -> None:
    learner = settled_learner(engine, name=name)

    emit(engine, "certificate.attested", learner.enrollment_id)

    [row] = _rows_with(engine, learner.enrollment_id, 1)
    pdf = store.get(row.object_key)
    assert row.sha256 == hashlib.sha256(pdf).hexdigest()
    assert name in pdftotext(pdf)
    assert qr_payloads(pdf) == [f"{VERIFY_BASE_URL}/{row.id}"]


def test_the_same_inputs_render_the_same_bytes(
    engine: sa.Engine, store: ObjectStore, settings: Settings, relay: Any, worker: Any
) -> None:
    """What the actor stored is byte for byte what a second render of the same data gives."""
    learner = settled_learner(engine)
    emit(engine, "certificate.attested", learner.enrollment_id)
    [row] = _rows_with(engine, learner.enrollment_id, 1)

    with engine.connect() as conn:
        record = records.record(conn, learner.enrollment_id)
    assert record is not None
    again = render_pdf(certificate_data(settings, record, row.id))
    twice = render_pdf(certificate_data(settings, record, row.id))
    assert again == twice
    assert hashlib.sha256(again).hexdigest() == row.sha256
    assert store.get(row.object_key) == again


def test_an_enrollment_without_a_granted_key_is_dead_lettered_at_once(
    engine: sa.Engine, store: ObjectStore, relay: Any, worker: Any
) -> None:
    learner = settled_learner(engine, key_tx="", attestation_uid=None)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE bootcamp_enrollments SET certificate_tx_hash = NULL"))

    emit(engine, "certificate.attestation_failed", learner.enrollment_id)

    letter = wait_until(lambda: _dead_letter(engine))
    assert letter.actor == "render_certificate"
    assert letter.permanent is True
    assert letter.retries == 0
    assert "no key granted yet" in letter.reason
    assert letter.enrollment_id == learner.enrollment_id
    assert certificate_rows(engine, learner.enrollment_id) == []
    assert object_keys(store, learner.prefix) == []


def _dead_letter(engine: sa.Engine) -> sa.Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM dead_letters")).first()

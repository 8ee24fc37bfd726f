"""Reading the printed values back from a certificate."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen.canvas import Canvas

from certflow.errors import RenderError
from render.certificate import render_pdf
from render.extract import PrintedFields, read_printed_fields
from tests.unit.render.samples import ATTESTATION_UID, sample


def test_printed_fields_round_trip() -> None:
    fields = read_printed_fields(render_pdf(sample(learner_name="Юлия 王")))

    assert fields == PrintedFields(
        certificate_id="7d0c6f1e-3b7a-4c2e-9a51-2f4f5e6d7c8b",
        chain_id=84532,
        lock_address="0x" + "a1b2" * 10,
        key_tx_hash="0x" + "9c" * 32,
        attestation_uid=ATTESTATION_UID,
        learner_name="Юлия 王",
        bootcamp_title="Solidity Foundations Bootcamp",
    )


def test_pending_attestation_reads_back_as_none() -> None:
    assert read_printed_fields(render_pdf(sample(attestation_uid=None))).attestation_uid is None


def test_bytes_that_are_not_a_pdf_are_refused() -> None:
    with pytest.raises(RenderError, match="cannot read the PDF"):
        read_printed_fields(b"not a pdf at all")


def test_a_pdf_that_is_not_a_certificate_is_refused() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(100, 100, "Hello")
    canvas.save()

    with pytest.raises(RenderError, match="not a certflow certificate"):
        read_printed_fields(buffer.getvalue())


def test_an_offchain_certificate_prints_its_anchoring_transaction() -> None:
    anchor = "0x" + "cd" * 32

    fields = read_printed_fields(render_pdf(sample(anchor_tx_hash=anchor)))

    assert (fields.attestation_uid, fields.anchor_tx_hash) == (ATTESTATION_UID, anchor)
    assert read_printed_fields(render_pdf(sample())).anchor_tx_hash is None

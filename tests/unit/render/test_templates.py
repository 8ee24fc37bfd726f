"""Issuer templates: which optional facts print, signatures, custom fields, images."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from certflow.errors import RenderError
from render.certificate import Score, render_pdf
from render.preview import preview_png
from render.template import DEFAULT, Signatory, Template
from tests.unit.render.languages import LOGO, MODERN, SIGNATURE
from tests.unit.render.samples import pdftotext, sample

FULL = sample(score=Score(Decimal(45), Decimal(50)), email="ada@example.com")


@pytest.mark.parametrize("template", [DEFAULT, dataclasses.replace(MODERN, fields=frozenset())])
def test_email_and_score_print_only_when_the_template_lists_them(template: Template) -> None:
    text = pdftotext(render_pdf(dataclasses.replace(FULL, template=template)))
    assert "ada@example.com" not in text
    assert "SCORE" not in text
    assert "45 / 50" not in text


def test_a_template_listing_score_and_email_prints_them() -> None:
    template = dataclasses.replace(DEFAULT, fields=frozenset({"score", "email"}))
    text = pdftotext(render_pdf(dataclasses.replace(FULL, template=template)))
    assert "SCORE" in text
    assert "45 / 50" in text
    assert "EMAIL" in text
    assert "ada@example.com" in text
    # Cohort and total XP are optional too: this template left them out.
    assert "COHORT" not in text
    assert "TOTAL XP EARNED" not in text
    assert "COMPLETED ON" in text  # always printed


def test_a_listed_field_without_a_value_is_not_printed() -> None:
    template = dataclasses.replace(DEFAULT, fields=frozenset({"score", "email"}))
    text = pdftotext(render_pdf(sample(template=template)))
    assert "SCORE" not in text
    assert "EMAIL" not in text


def test_custom_fields_print_in_order_with_their_labels() -> None:
    data = dataclasses.replace(
        FULL, custom_fields=(("Track", "Smart contracts"), ("Mentor", "Grace Hopper"))
    )
    text = pdftotext(render_pdf(data))
    assert text.index("Track") < text.index("Mentor")
    assert "Smart contracts" in text
    assert "Grace Hopper" in text


def test_a_custom_field_no_font_can_print_is_refused() -> None:
    data = dataclasses.replace(FULL, custom_fields=(("Track", "नमस्ते"),))
    with pytest.raises(RenderError, match="custom field has characters no certificate font"):
        render_pdf(data)


def test_signatories_replace_the_drawn_program_director_line() -> None:
    template = dataclasses.replace(
        DEFAULT,
        signatories=(
            Signatory("Grace Hopper", "Dean", SIGNATURE),
            Signatory("Alan Turing", "Head of Faculty"),
        ),
    )
    text = pdftotext(render_pdf(sample(template=template)))
    assert "Program Director" not in text
    for printed in ("Grace Hopper", "Dean", "Alan Turing", "Head of Faculty"):
        assert printed in text


def test_without_signatories_the_program_director_line_stays() -> None:
    assert "Program Director" in pdftotext(render_pdf(sample()))


def _images(pdf: bytes) -> list[tuple[int, int]]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    pictures = [image.image for image in page.images]
    return sorted((picture.width, picture.height) for picture in pictures if picture is not None)


def test_logo_signature_and_background_are_embedded_once_each() -> None:
    template = dataclasses.replace(
        MODERN,
        background=LOGO,
        signatories=(Signatory("A", "B", SIGNATURE), Signatory("C", "D", SIGNATURE)),
    )
    images = _images(render_pdf(sample(template=template)))
    # The same picture as logo and background, and one signature for two signatories:
    # each stored once in the PDF.
    assert images == [(300, 100), (360, 120)]


def test_certflows_own_look_has_no_images() -> None:
    assert _images(render_pdf(sample())) == []


def test_a_template_image_is_drawn_the_same_in_every_document() -> None:
    first = render_pdf(sample(template=MODERN))
    render_pdf(sample(template=MODERN, learner_name="Someone Else"))
    assert render_pdf(sample(template=MODERN)) == first


def test_the_preview_shows_a_template_in_a_language() -> None:
    png = preview_png(MODERN, "ar")
    with PILImage.open(io.BytesIO(png)) as image:
        assert image.size == (1123, 794)
        # The modern band sits on the right for a right-to-left language.
        right, left = image.getpixel((1100, 400)), image.getpixel((20, 400))
    assert right == (0x0B, 0x3D, 0x2E)
    assert left == (0xFF, 0xFF, 0xFF)

"""Issue 22: each shipped language and both layouts, checked with poppler (pdftoppm,
pdftotext, pdffonts): the page looks like its golden, reads in its language (the name
in logical order for Arabic), embeds every font, and says its language in metadata."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from render import i18n
from render.certificate import render_pdf
from render.extract import read_printed_fields
from render.shaping import visual
from tests.unit.render.languages import (
    LAYOUTS,
    NAMES,
    certificate,
    difference,
    golden_path,
    rendered_image,
)
from tests.unit.render.samples import pdftotext, pypdf_text

CASES = [(language, layout) for language in i18n.SHIPPED for layout in LAYOUTS]
IDS = [f"{language}-{layout}" for language, layout in CASES]
#: Share of pixels allowed to differ from the golden (antialiasing, poppler versions).
TOLERANCE = 0.01


@pytest.mark.parametrize(("language", "layout"), CASES, ids=IDS)
def test_the_page_looks_like_its_golden(language: str, layout: str) -> None:
    with PILImage.open(golden_path(language, layout)) as golden:
        assert difference(rendered_image(language, layout), golden.convert("L")) <= TOLERANCE


def test_the_golden_comparison_notices_a_changed_page() -> None:
    """The tolerance is not so loose that another language's page passes."""
    with PILImage.open(golden_path("en", "classic")) as golden:
        assert difference(rendered_image("es", "classic"), golden.convert("L")) > TOLERANCE


@pytest.mark.parametrize(("language", "layout"), CASES, ids=IDS)
def test_the_page_reads_in_its_language(language: str, layout: str) -> None:
    pdf = render_pdf(certificate(language, layout))
    text, pypdf = pdftotext(pdf), pypdf_text(pdf)
    for msgid in ("This certifies that", "has successfully completed", "COMPLETED ON"):
        assert i18n.label(language, msgid) in pypdf
        # poppler 22 reverses a glyph's multi-letter ToUnicode entry on a right-to-left
        # line: the lam-alef ligature of Arabic "COMPLETED ON" reads alef-lam (README).
        if not (language == "ar" and msgid == "COMPLETED ON"):
            assert i18n.label(language, msgid) in text
    assert NAMES[language] in text  # logical order, letters not presentation forms
    assert NAMES[language] in pypdf
    printed = read_printed_fields(pdf)  # what certflow verify reads
    assert (printed.learner_name, printed.bootcamp_title) == (
        NAMES[language],
        "Solidity Foundations Bootcamp",
    )


def test_arabic_is_drawn_joined_and_right_to_left_yet_extracts_as_typed() -> None:
    name = NAMES["ar"]  # ليلى حداد: Layla Haddad
    drawn = visual(name)
    # Drawn left to right: the last letter first, every letter in its joined form.
    assert [unicodedata.name(c) for c in drawn[-4:]] == [
        "ARABIC LETTER ALEF MAKSURA FINAL FORM",
        "ARABIC LETTER LAM MEDIAL FORM",
        "ARABIC LETTER YEH MEDIAL FORM",
        "ARABIC LETTER LAM INITIAL FORM",
    ]
    assert unicodedata.normalize("NFKC", drawn[::-1]) == name
    pdf = render_pdf(certificate("ar", "classic"))
    assert name in pdftotext(pdf)
    assert name[::-1] not in pdftotext(pdf)


@pytest.mark.parametrize(("language", "layout"), CASES, ids=IDS)
def test_every_font_is_embedded_as_a_subset(language: str, layout: str) -> None:
    rows = _pdffonts(render_pdf(certificate(language, layout)))
    assert rows
    for row in rows:
        assert row[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, ToUnicode


@pytest.mark.parametrize(
    ("language", "region"), [("zh", "sc"), ("ja", "jp"), ("ko", "sc"), ("en", "sc")]
)
def test_han_and_kana_print_in_a_bold_face_with_the_languages_shapes(
    language: str, region: str
) -> None:
    """Kanji take Japanese shapes on a Japanese certificate, Chinese ones elsewhere."""
    for layout, family in (("classic", "Serif"), ("modern", "Sans")):
        data = dataclasses.replace(certificate(language, layout), learner_name="山田 直 Kim")
        names = {row[0].split("+")[-1] for row in _pdffonts(render_pdf(data))}
        assert f"Noto{family}CJK{region}-Bold" in names


def _pdffonts(pdf: bytes) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificate.pdf"
        path.write_bytes(pdf)
        shown = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
        )
    return [line.split() for line in shown.stdout.splitlines()[2:]]


@pytest.mark.parametrize(
    ("tag", "lang", "title"),
    [
        ("en", "en", "Certificate of Completion - Amélie Dubois"),
        ("pt-BR", "pt-BR", "Certificado de conclusão - Amélie Dubois"),
        ("ar", "ar", "شهادة إتمام - Amélie Dubois"),
        ("sw", "sw", "Certificate of Completion - Amélie Dubois"),
        ("nonsense tag", "en", "Certificate of Completion - Amélie Dubois"),
    ],
)
def test_title_and_language_metadata_follow_the_locale(tag: str, lang: str, title: str) -> None:
    data = dataclasses.replace(certificate("en", "classic"), locale=tag)
    reader = PdfReader(io.BytesIO(render_pdf(data)))
    assert str(reader.root_object["/Lang"]) == lang
    assert reader.metadata is not None
    assert reader.metadata.title == title


@pytest.mark.parametrize(("language", "layout"), CASES, ids=IDS)
def test_the_same_data_gives_the_same_bytes(language: str, layout: str) -> None:
    data = certificate(language, layout)
    assert render_pdf(data) == render_pdf(data)


_DIGESTS = """
import hashlib, sys
from bench.render_bench import certificates, templated
from render.certificate import render_pdf
from tests.unit.render.languages import certificate
if sys.argv[1] == "warm":  # fill every per-process cache with other documents first
    for data in templated(certificates(30)) + certificates(30):
        render_pdf(data)
for language in ("en", "ar", "ja"):
    for layout in ("classic", "modern"):
        print(hashlib.sha256(render_pdf(certificate(language, layout))).hexdigest())
"""


def test_a_warm_process_renders_the_same_bytes_as_a_fresh_one() -> None:
    """The per-process caches (render/speed.py, pdf_images, memoised runs) change the
    time, never the bytes: a worker's thousandth PDF equals a fresh process's first."""
    root = Path(__file__).resolve().parents[3]
    digests = [
        subprocess.run(
            [sys.executable, "-c", _DIGESTS, state],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
            cwd=root,
        ).stdout
        for state in ("cold", "warm")
    ]
    assert digests[0] == digests[1]
    assert len(digests[0].split()) == 6


@pytest.mark.parametrize("name", ["علاء سلامة", "عبد الله بلال", "Ana ليلى"])
def test_certflow_verify_reads_arabic_names_with_ligatures_and_mixed_scripts(name: str) -> None:
    """pypdf (what certflow verify reads) gets lam-alef and mixed-direction names back as
    typed; pdftotext does not (README: poppler reverses multi-letter glyphs)."""
    pdf = render_pdf(dataclasses.replace(certificate("ar", "classic"), learner_name=name))
    assert read_printed_fields(pdf).learner_name == name

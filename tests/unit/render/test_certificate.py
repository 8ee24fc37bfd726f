"""The certificate PDF, checked on its bytes with independent readers."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from certflow.errors import RenderError
from render import fonts
from render.certificate import ATTESTATION_PENDING, format_date, render_pdf
from render.fonts import Face, FontFile, runs
from tests.unit.render.samples import (
    ATTESTATION_UID,
    VERIFY_URL,
    pdftotext,
    pdftotext_bbox,
    pypdf_text,
    qr_payloads,
    sample,
)

A4_LANDSCAPE = (841.89, 595.28)

NAMES = {
    "french": "Amélie Dubois-Lefèvre",
    "polish": "Łukasz Żółkiewski-Wąż",
    "german": "Jürgen Groß",
    "russian": "Юлия Соколова",
    "greek": "Ελένη Παπαδοπούλου",
    "chinese": "王小明",
    "japanese": "山田はなこ",
    "korean": "김민준",
    "vietnamese": "Nguyễn Thị Ánh",
    "mixed": "Zoë 王 Ivanova-Иванова",
}


def test_page_is_one_landscape_a4_page() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(sample())))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_LANDSCAPE


@pytest.mark.parametrize("extract", [pypdf_text, pdftotext], ids=["pypdf", "pdftotext"])
def test_printed_fields_are_extractable(extract: object) -> None:
    assert callable(extract)
    text = extract(render_pdf(sample()))

    for expected in (
        "Amélie Dubois",
        "Solidity Foundations Bootcamp",
        "Cohort 7 — Lagos",
        "12 March 2025",
        "12,450 XP",
        "7d0c6f1e-3b7a-4c2e-9a51-2f4f5e6d7c8b",
        "84532",
        "0x" + "a1b2" * 10,
        "0x" + "9c" * 32,
        ATTESTATION_UID,
    ):
        assert expected in text


def test_pending_attestation_is_printed_as_pending() -> None:
    text = pdftotext(render_pdf(sample(attestation_uid=None)))

    assert ATTESTATION_PENDING in text
    assert "Attestation UID" not in text


def test_qr_code_decodes_to_verify_url() -> None:
    assert qr_payloads(render_pdf(sample())) == [VERIFY_URL]


def test_same_input_gives_identical_bytes() -> None:
    first, second = render_pdf(sample()), render_pdf(sample())

    assert first == second
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_bytes_do_not_depend_on_the_process() -> None:
    """A fresh interpreter (fonts registered anew, other render order) gives the same bytes."""
    render_pdf(sample(learner_name="王小明 Ελένη"))  # warm this process up differently
    script = (
        "import sys; from tests.unit.render.samples import sample; "
        "from render.certificate import render_pdf; sys.stdout.buffer.write(render_pdf(sample()))"
    )
    root = Path(__file__).resolve().parents[3]
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=root, timeout=120
    )

    assert child.stdout == render_pdf(sample())


def test_different_input_gives_different_bytes() -> None:
    assert render_pdf(sample()) != render_pdf(sample(total_xp=12451))


def test_creation_date_is_the_completion_date() -> None:
    metadata = PdfReader(io.BytesIO(render_pdf(sample()))).metadata

    assert metadata is not None
    assert str(metadata["/CreationDate"]) == "D:20250312000000+00'00'"


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_in_many_scripts_are_extractable(name: str) -> None:
    pdf = render_pdf(sample(learner_name=name))

    assert name in pypdf_text(pdf)
    assert name in pdftotext(pdf)


def test_a_cjk_name_embeds_the_bold_noto_cjk_face_as_a_subset() -> None:
    """Issue 22: Han and kana print in a bold face, not the regular-weight fallback."""
    pdf = render_pdf(sample(learner_name="山田はなこ 김민준 王小明"))
    reader = PdfReader(io.BytesIO(pdf))
    resources = reader.pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    font_dict = resources["/Font"].get_object()
    assert isinstance(font_dict, DictionaryObject)
    fonts_used = {str(font.get_object()["/BaseFont"]) for font in font_dict.values()}

    assert any(name.endswith("+NotoSerifCJKsc-Bold") for name in fonts_used)
    assert not any(name.endswith("+DroidSansFallback") for name in fonts_used)
    assert len(pdf) < 100_000


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "\x00\x07\x1b"])
def test_a_name_with_nothing_printable_is_refused(name: str) -> None:
    with pytest.raises(RenderError, match="learner name is empty"):
        render_pdf(sample(learner_name=name))


def test_control_characters_are_removed_from_the_name() -> None:
    text = pypdf_text(render_pdf(sample(learner_name="Ana\x00\x07 Lima\x1b\nSouza\u200b")))

    assert "Ana Lima Souza" in text


def _word_boxes(pdf: bytes) -> list[tuple[float, float, str]]:
    pattern = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>')
    return [(float(a), float(b), w) for a, b, w in pattern.findall(pdftotext_bbox(pdf))]


def _assert_inside_the_frame(pdf: bytes) -> None:
    """Every word, as poppler places it, lies inside the gold frame (40 pt from the edge)."""
    boxes = _word_boxes(pdf)
    assert boxes
    for x_min, x_max, word in boxes:
        assert x_min >= 40, word
        assert x_max <= A4_LANDSCAPE[0] - 40, word


@pytest.mark.parametrize(
    "name",
    [
        " ".join(["Maximiliana"] * 25)[:300],
        "W" * 300,
        "王" * 300,
    ],
    ids=["words", "one-long-word", "cjk"],
)
def test_a_300_character_name_is_cut_with_an_ellipsis_inside_the_page(name: str) -> None:
    pdf = render_pdf(sample(learner_name=name))

    _assert_inside_the_frame(pdf)
    name_line = pypdf_text(pdf).splitlines()[2]
    assert name_line.endswith("…")
    assert name[:10] in name_line


def test_long_bootcamp_and_cohort_names_stay_inside_the_page() -> None:
    pdf = render_pdf(sample(bootcamp_title="Advanced " * 40, cohort_name="Cohort " * 30))

    _assert_inside_the_frame(pdf)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bootcamp_title", " ", "bootcamp title is empty"),
        ("verify_url", "", "verify URL is empty"),
        ("verify_url", "https://x.example/" + "a" * 600, "verify URL"),
        ("total_xp", -1, "total XP cannot be negative"),
    ],
)
def test_unprintable_fields_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(RenderError, match=message):
        render_pdf(sample(**{field: value}))


def test_a_missing_font_file_names_the_package_to_install() -> None:
    missing = FontFile("CF-Test-Missing", Path("/nonexistent/Missing.ttf"), "fonts-missing")

    with pytest.raises(RenderError, match="install the Debian package fonts-missing"):
        fonts.load(missing)


def test_dates_are_spelled_out_without_locale() -> None:
    assert format_date(dt.date(2024, 1, 5)) == "5 January 2024"


@pytest.mark.parametrize(
    "url",
    [
        "https://v.example/1",
        VERIFY_URL,
        "https://certflow.example/verify?certificate=7d0c6f1e-3b7a-4c2e-9a51-2f4f5e6d7c8b"
        "&chain=84532&uid=" + "5e1f" * 16,
    ],
    ids=["short", "typical", "long"],
)
def test_qr_codes_of_various_lengths_decode(url: str) -> None:
    assert qr_payloads(render_pdf(sample(verify_url=url))) == [url]


def test_symbols_no_font_has_are_dropped() -> None:
    text = pypdf_text(render_pdf(sample(learner_name="Ana 🎓 Lima")))

    assert "Ana Lima" in text


@pytest.mark.parametrize("name", ["नमस्ते", "ሰላም"], ids=["devanagari", "ethiopic"])
def test_a_name_in_a_script_without_a_font_is_refused_not_printed_as_boxes(name: str) -> None:
    with pytest.raises(RenderError, match="learner name has characters no certificate font"):
        render_pdf(sample(learner_name=name))


def _pdffonts(pdf: bytes) -> list[list[str]]:
    """pdffonts' table (poppler, an independent parser): name, type, …, emb, sub, uni."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificate.pdf"
        path.write_bytes(pdf)
        shown = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
        )
    return [line.split() for line in shown.stdout.splitlines()[2:]]


def test_a_korean_name_prints_in_an_embedded_bold_face() -> None:
    """Issue 19 item 3: Hangul printed in the regular-weight fallback beside bold Latin."""
    pdf = render_pdf(sample(learner_name="김민준 Kim"))
    # A subset's name is "ABCDEF+BaseFont".
    fonts_used = {row[0].split("+")[-1]: row for row in _pdffonts(pdf)}

    assert "NanumMyeongjoBold" in fonts_used
    bold = fonts_used["NanumMyeongjoBold"]
    assert bold[0].startswith("AAAAAA+")  # a subset
    assert bold[1] == "TrueType"
    assert bold[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode
    assert "DroidSansFallback" not in fonts_used
    assert "김민준 Kim" in pdftotext(pdf)


def test_runs_put_hangul_in_the_bold_korean_face_and_han_in_the_bold_cjk_face() -> None:
    assert runs("김민준 王 Kim", Face.SERIF_BOLD) == (
        ("CF-SerifBold-Hangul", "김민준 "),
        ("CF-SerifBold-CJK", "王 "),
        ("CF-SerifBold", "Kim"),
    )


def test_han_in_a_regular_face_still_falls_back_to_droid() -> None:
    assert runs("王", Face.SERIF) == (("CF-CJK", "王"),)

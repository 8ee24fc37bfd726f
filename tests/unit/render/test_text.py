"""Cleaning and fitting strings."""

from __future__ import annotations

import pytest

from certflow.errors import RenderError
from render.fonts import Face, Style, runs, width
from render.text import ELLIPSIS, MAX_CHARS, clean, fit


def test_clean_normalises_and_collapses_whitespace() -> None:
    assert clean("  Ame\u0301lie\t\x00Dubois \n", "name") == "Amélie Dubois"


def test_clean_keeps_zero_width_joiner() -> None:
    assert clean("a\u200db", "name") == "a\u200db"


def test_clean_refuses_nothing_printable() -> None:
    with pytest.raises(RenderError, match="name is empty"):
        clean("\x01 \x02", "name")


def test_clean_bounds_the_length() -> None:
    assert len(clean("x" * 10_000, "name")) == MAX_CHARS


def test_fit_shrinks_before_it_truncates() -> None:
    fitted = fit("Amélie Dubois", Face.SERIF_BOLD, 200, 40, 10)

    assert fitted.text == "Amélie Dubois"
    assert fitted.style.size < 40
    assert width(fitted.text, fitted.style) <= 200


@pytest.mark.parametrize("text", ["W" * 200, "王" * 200, "word " * 40])
def test_fit_never_exceeds_the_box(text: str) -> None:
    fitted = fit(text, Face.SERIF_BOLD, 300, 40, 18)

    assert fitted.style.size == 18
    assert fitted.text.endswith(ELLIPSIS)
    assert width(fitted.text, fitted.style) <= 300


def test_runs_switch_to_the_cjk_font_and_back() -> None:
    assert [name for name, _ in runs("Zoë 王 Ivanova", Face.SERIF)] == [
        "CF-Serif",
        "CF-CJK",
        "CF-Serif",
    ]


def test_letter_spacing_widens_text() -> None:
    plain, spaced = Style(Face.SANS, 10), Style(Face.SANS, 10, 2)

    assert width("ABC", spaced) == pytest.approx(width("ABC", plain) + 4)

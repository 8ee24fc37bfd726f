"""Pieces both layouts draw: images, signatures, the facts row, the QR code, the footer."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.pdfgen.canvas import Canvas

from render.fonts import Face, Style, draw_centred
from render.pdf_images import draw_prepared
from render.qr import draw_qr
from render.template import Image, Signatory, Template
from render.text import fit

MUTED = HexColor("#7A7F8C")
QR_SIZE = 84.0
#: Signatures side by side; the storage side should refuse a template with more.
MAX_SIGNATORIES = 3


@dataclass(frozen=True)
class Palette:
    primary: Color
    accent: Color
    paper: Color
    ink: Color
    muted: Color = MUTED


@functools.lru_cache(maxsize=64)
def palette(template: Template) -> Palette:
    colours = template.colours
    return Palette(
        HexColor(colours.primary),
        HexColor(colours.accent),
        HexColor(colours.paper),
        HexColor(colours.ink),
    )


@dataclass(frozen=True)
class Faces:
    """The faces of one font family: headings and names, body text, small labels."""

    bold: Face
    regular: Face
    italic: Face
    label: Face


SERIF_FACES = Faces(Face.SERIF_BOLD, Face.SERIF, Face.SERIF_ITALIC, Face.SANS)
SANS_FACES = Faces(Face.MODERN_BOLD, Face.MODERN, Face.MODERN_ITALIC, Face.MODERN)
_JAPANESE = {
    Face.SERIF_BOLD: Faces(Face.SERIF_BOLD_JA, Face.SERIF, Face.SERIF_ITALIC, Face.SANS),
    Face.MODERN_BOLD: Faces(Face.MODERN_BOLD_JA, Face.MODERN, Face.MODERN_ITALIC, Face.MODERN),
}


def faces(template: Template, locale: str = "en") -> Faces:
    """The template's family; kanji in Japanese shapes on a Japanese certificate."""
    family = SANS_FACES if template.font_family == "sans" else SERIF_FACES
    return _JAPANESE[family.bold] if locale == "ja" else family


def draw_image(
    canvas: Canvas, image: Image, x: float, y: float, width: float, height: float
) -> None:
    """``image`` scaled to fit the box (x, y, width, height), centred in it."""
    scale = min(width / image.width, height / image.height)
    shown_w, shown_h = image.width * scale, image.height * scale
    left, bottom = x + (width - shown_w) / 2, y + (height - shown_h) / 2
    draw_prepared(canvas, image, left, bottom, shown_w, shown_h)


def draw_signatures(
    canvas: Canvas,
    template: Template,
    signatories: tuple[Signatory, ...],
    box: tuple[float, float, float],
    fallback_title: str,
    *,
    rtl: bool = False,
) -> None:
    """Signatures side by side in ``box`` (left x, right x, line y): each an image (or a
    line to sign on) above the signatory's name and title, the first on the reading
    side's start. No signatories: one line titled ``fallback_title`` (certflow's own look)."""
    left, right, y = box
    colours, family = palette(template), faces(template)
    people = signatories[:MAX_SIGNATORIES] or (Signatory(name="", title=fallback_title),)
    if rtl:
        people = people[::-1]
    column = (right - left) / len(people)
    for index, person in enumerate(people):
        x = left + column * (index + 0.5)
        half = min(95.0, column / 2 - 8)
        if person.signature is not None:
            draw_image(canvas, person.signature, x - half, y + 2, 2 * half, 42)
        canvas.setStrokeColor(colours.ink)
        canvas.setLineWidth(0.7)
        canvas.line(x - half, y, x + half, y)
        below = y - 14
        if person.name:
            name = fit(person.name, family.regular, 2 * half, 10, 6)
            canvas.setFillColor(colours.ink)
            draw_centred(canvas, x, below, name.text, name.style)
            below -= 11
        title = fit(person.title, family.italic, 2 * half, 10 if not person.name else 8.5, 6)
        canvas.setFillColor(MUTED)
        draw_centred(canvas, x, below, title.text, title.style)


def draw_facts(
    canvas: Canvas,
    template: Template,
    facts: tuple[tuple[str, str], ...],
    centre: float,
    text_width: float,
    y: float,
    *,
    rtl: bool = False,
) -> None:
    """Labelled columns, at most four a row (a second row below for more), with thin
    rules between them; ``facts`` in reading order (each row from the right for RTL)."""
    colours, family = palette(template), faces(template)
    rows = [facts[i : i + 4] for i in range(0, len(facts), 4)]
    for row_index, row in enumerate(rows):
        if rtl:
            row = row[::-1]  # noqa: PLW2901 - the row read from the right
        row_y = y - row_index * 44
        column = text_width / max(len(row), 3)
        for index, (label, value) in enumerate(row):
            x = centre + (index - (len(row) - 1) / 2) * column
            canvas.setFillColor(colours.accent)
            shown_label = fit(label, family.label, column - 12, 8, 5)
            draw_centred(
                canvas,
                x,
                row_y + 20,
                shown_label.text,
                Style(family.label, shown_label.style.size, 1.5),
            )
            shown = fit(value, family.regular, column - 24, 14, 8)
            canvas.setFillColor(colours.ink)
            draw_centred(canvas, x, row_y, shown.text, shown.style)
        canvas.setStrokeColor(colours.accent)
        canvas.setLineWidth(0.5)
        for index in range(1, len(row)):
            x = centre + (index - len(row) / 2) * column
            canvas.line(x, row_y - 6, x, row_y + 30)


def draw_qr_block(
    canvas: Canvas,
    url: str,
    xy: tuple[float, float],
    caption: str,
    caption_face: Face,
    caption_colour: Color = MUTED,
) -> None:
    """A QR code of the verify URL on a white square (scanners need the contrast)."""
    x, y = xy
    canvas.setFillColor(white)
    canvas.rect(x, y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    canvas.setFillColor(black)
    draw_qr(canvas, url, x, y, QR_SIZE)
    canvas.setFillColor(caption_colour)
    shown = fit(caption, caption_face, QR_SIZE + 40, 8, 5)
    draw_centred(canvas, x + QR_SIZE / 2, y - 10, shown.text, shown.style)


def draw_footer(canvas: Canvas, lines: list[str], centre: float, width: float, y: float) -> None:
    """The on-chain references, small and monospaced, so they can be typed back."""
    canvas.setFillColor(MUTED)
    for index, line in enumerate(lines):
        shown = fit(line, Face.MONO, width, 6.5, 4)
        draw_centred(canvas, centre, y - index * 9, shown.text, shown.style)

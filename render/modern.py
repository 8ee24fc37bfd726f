"""The ``modern`` layout: a band in the primary colour on the reading side's start
(left, or right for right-to-left languages) holding the logo and the QR code,
and text set flush to that side in the template's font family."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from render.fonts import Style, draw, draw_right
from render.page import CENTRE, PAGE_HEIGHT, PAGE_WIDTH, Page
from render.parts import (
    MUTED,
    QR_SIZE,
    draw_facts,
    draw_footer,
    draw_image,
    draw_qr_block,
    draw_signatures,
    faces,
    palette,
)
from render.text import fit

BAND = 230.0
MARGIN = 44.0
FOOTER_TOP = 50.0


@dataclass(frozen=True)
class _Frame:
    """The text column: between the band and the page edge, flush to the reading side."""

    left: float
    right: float
    rtl: bool

    @property
    def width(self) -> float:
        return self.right - self.left

    def line(self, canvas: Canvas, y: float, text: str, style: Style) -> None:
        if self.rtl:
            draw_right(canvas, self.right, y, text, style)
        else:
            draw(canvas, self.left, y, text, style)


def draw_modern(canvas: Canvas, page: Page) -> None:
    rtl = page.rtl
    band_x = PAGE_WIDTH - BAND if rtl else 0.0
    if rtl:
        frame = _Frame(MARGIN, PAGE_WIDTH - BAND - MARGIN, rtl)
    else:
        frame = _Frame(BAND + MARGIN, PAGE_WIDTH - MARGIN, rtl)
    _band(canvas, page, band_x)
    _text(canvas, page, frame)
    draw_footer(canvas, page.footer(), CENTRE, PAGE_WIDTH - 2 * 60, 36)


def _band(canvas: Canvas, page: Page, band_x: float) -> None:
    template = page.template
    colours, family = palette(template), faces(template, page.locale)
    canvas.setFillColor(colours.paper)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    if template.background is not None:
        draw_image(canvas, template.background, 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    canvas.setFillColor(colours.primary)
    canvas.rect(band_x, FOOTER_TOP, BAND, PAGE_HEIGHT - FOOTER_TOP, stroke=0, fill=1)
    canvas.setFillColor(colours.accent)
    canvas.rect(band_x, FOOTER_TOP, BAND, 6, stroke=0, fill=1)
    if template.logo is not None:
        draw_image(canvas, template.logo, band_x + 30, PAGE_HEIGHT - 150, BAND - 60, 100)
    qr_x = band_x + (BAND - QR_SIZE) / 2
    caption = page.label("Scan to verify")
    xy = (qr_x, FOOTER_TOP + 50)
    draw_qr_block(canvas, page.verify_url, xy, caption, family.italic, colours.paper)


def _text(canvas: Canvas, page: Page, frame: _Frame) -> None:
    template = page.template
    colours, family = palette(template), faces(template, page.locale)
    canvas.setFillColor(colours.accent)
    heading = fit(page.label("CERTIFICATE"), family.bold, frame.width, 34, 18)
    frame.line(canvas, 500, heading.text, Style(family.bold, heading.style.size, 4))
    canvas.setFillColor(colours.ink)
    frame.line(canvas, 474, page.label("OF COMPLETION"), Style(family.label, 13, 3))
    canvas.setStrokeColor(colours.accent)
    canvas.setLineWidth(2)
    rule = min(160.0, frame.width)
    start = frame.right - rule if frame.rtl else frame.left
    canvas.line(start, 458, start + rule, 458)
    canvas.setFillColor(MUTED)
    frame.line(canvas, 416, page.label("This certifies that"), Style(family.italic, 14))
    name = fit(page.learner_name, family.bold, frame.width, 42, 18)
    canvas.setFillColor(colours.primary)
    frame.line(canvas, 364, name.text, name.style)
    canvas.setFillColor(MUTED)
    frame.line(canvas, 326, page.label("has successfully completed"), Style(family.italic, 14))
    title = fit(page.bootcamp_title, family.bold, frame.width, 24, 12)
    canvas.setFillColor(colours.ink)
    frame.line(canvas, 294, title.text, title.style)
    facts = page.facts()
    centre = (frame.left + frame.right) / 2
    y = 232 if len(facts) <= 4 else 240
    draw_facts(canvas, template, facts, centre, frame.width, y, rtl=frame.rtl)
    box = (frame.left, frame.right, 110)
    director = page.label("Program Director")
    draw_signatures(canvas, template, template.signatories, box, director, rtl=frame.rtl)

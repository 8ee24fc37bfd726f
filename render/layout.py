"""Where everything sits on the certificate page (landscape A4, points).

Two layout variants: ``classic`` (certflow's own look: centred, a navy frame with
gold rules and corner ornaments, a seal) and ``modern`` (``render.modern``: a
colour band with the logo, text set flush to the reading side). A template
chooses the variant, colours, font family, images and optional fields; labels
come from the certificate's language (``render.i18n``).
"""

from __future__ import annotations

import math

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from render.fonts import Face, Style, draw_centred
from render.modern import draw_modern
from render.page import ANCHOR_LABEL, CENTRE, PAGE_HEIGHT, PAGE_WIDTH, Page
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
from render.template import Template
from render.text import fit

# Text never comes closer to the gold inner frame than this.
TEXT_WIDTH = PAGE_WIDTH - 2 * 90

__all__ = ["ANCHOR_LABEL", "PAGE_HEIGHT", "Page", "draw_page"]

# Faces of the fields that come from users, so input can be checked against them
# (every family's bold face covers the same scripts).
NAME_FACE = Face.SERIF_BOLD
TITLE_FACE = Face.SERIF_BOLD
FACT_FACE = Face.SERIF


def draw_page(canvas: Canvas, page: Page) -> None:
    """Draw the whole certificate onto the current page of ``canvas``."""
    if page.template.layout == "modern":
        draw_modern(canvas, page)
        return
    _border(canvas, page.template)
    _heading(canvas, page)
    _body(canvas, page)
    draw_signatures(
        canvas,
        page.template,
        page.template.signatories,
        # Without signatories, one line centred where certflow has always drawn it.
        (60, 324 if not page.template.signatories else 370, 122),
        page.label("Program Director"),
        rtl=page.rtl,
    )
    _seal(canvas, page)
    family = faces(page.template, page.locale)
    x = PAGE_WIDTH - 150 - QR_SIZE / 2
    draw_qr_block(canvas, page.verify_url, (x, 88), page.label("Scan to verify"), family.italic)
    draw_footer(canvas, page.footer(), CENTRE, PAGE_WIDTH - 2 * 60, 60)


def _border(canvas: Canvas, template: Template) -> None:
    """Paper (or the background image), a frame, two accent rules and corner ornaments."""
    colours = palette(template)
    canvas.setFillColor(colours.paper)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    if template.background is not None:
        draw_image(canvas, template.background, 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    canvas.setStrokeColor(colours.primary)
    canvas.setLineWidth(10)
    _inset_rect(canvas, 22)
    canvas.setStrokeColor(colours.accent)
    canvas.setLineWidth(1.6)
    _inset_rect(canvas, 34)
    canvas.setLineWidth(0.6)
    _inset_rect(canvas, 39)
    for x, y in ((39, 39), (PAGE_WIDTH - 39, 39), (39, PAGE_HEIGHT - 39)):
        _corner(canvas, x, y, colours.paper, colours.accent)
    _corner(canvas, PAGE_WIDTH - 39, PAGE_HEIGHT - 39, colours.paper, colours.accent)


def _inset_rect(canvas: Canvas, inset: float) -> None:
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset, stroke=1, fill=0)


def _corner(canvas: Canvas, x: float, y: float, paper: Color, accent: Color) -> None:
    """A diamond on the inner frame's corner with a small square behind it."""
    canvas.setFillColor(paper)
    canvas.setStrokeColor(accent)
    canvas.setLineWidth(0.8)
    canvas.rect(x - 9, y - 9, 18, 18, stroke=1, fill=1)
    diamond(canvas, x, y, 6, accent)


def diamond(canvas: Canvas, x: float, y: float, radius: float, colour: Color) -> None:
    path = canvas.beginPath()
    path.moveTo(x, y + radius)
    path.lineTo(x + radius, y)
    path.lineTo(x, y - radius)
    path.lineTo(x - radius, y)
    path.close()
    canvas.setFillColor(colour)
    canvas.drawPath(path, stroke=0, fill=1)


def _ornament_rule(canvas: Canvas, y: float, half: float, accent: Color) -> None:
    """A thin rule broken by a diamond in the middle."""
    canvas.setStrokeColor(accent)
    canvas.setLineWidth(0.8)
    canvas.line(CENTRE - half, y, CENTRE - 10, y)
    canvas.line(CENTRE + 10, y, CENTRE + half, y)
    diamond(canvas, CENTRE, y, 4, accent)


def _heading(canvas: Canvas, page: Page) -> None:
    colours, family = palette(page.template), faces(page.template, page.locale)
    if page.template.logo is not None:
        draw_image(canvas, page.template.logo, CENTRE - 90, 512, 180, 36)
    canvas.setFillColor(colours.primary)
    heading = fit(page.label("CERTIFICATE"), family.bold, TEXT_WIDTH, 38, 20)
    draw_centred(canvas, CENTRE, 478, heading.text, Style(family.bold, heading.style.size, 8))
    canvas.setFillColor(colours.accent)
    draw_centred(canvas, CENTRE, 452, page.label("OF COMPLETION"), Style(family.label, 12, 5))
    _ornament_rule(canvas, 434, 120, colours.accent)


def _body(canvas: Canvas, page: Page) -> None:
    colours, family = palette(page.template), faces(page.template, page.locale)
    canvas.setFillColor(MUTED)
    draw_centred(canvas, CENTRE, 402, page.label("This certifies that"), Style(family.italic, 14))
    name = fit(page.learner_name, family.bold, TEXT_WIDTH, 40, 18)
    canvas.setFillColor(colours.primary)
    draw_centred(canvas, CENTRE, 352, name.text, name.style)
    canvas.setStrokeColor(colours.accent)
    canvas.setLineWidth(0.8)
    canvas.line(CENTRE - 230, 338, CENTRE + 230, 338)
    canvas.setFillColor(MUTED)
    completed = page.label("has successfully completed")
    draw_centred(canvas, CENTRE, 312, completed, Style(family.italic, 14))
    title = fit(page.bootcamp_title, family.bold, TEXT_WIDTH, 24, 12)
    canvas.setFillColor(colours.ink)
    draw_centred(canvas, CENTRE, 280, title.text, title.style)
    facts = page.facts()
    y = 222 if len(facts) <= 4 else 232
    draw_facts(canvas, page.template, facts, CENTRE, TEXT_WIDTH, y, rtl=page.rtl)


def _seal(canvas: Canvas, page: Page) -> None:
    """A rosette between the signature and the QR code."""
    colours, family = palette(page.template), faces(page.template, page.locale)
    x, y, radius = CENTRE, 128, 40
    path = canvas.beginPath()
    points = 48
    for step in range(points + 1):
        angle = 2 * math.pi * step / points
        r = radius if step % 2 == 0 else radius - 4
        px, py = x + r * math.cos(angle), y + r * math.sin(angle)
        if step == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.setFillColor(colours.accent)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setStrokeColor(colours.paper)
    canvas.setLineWidth(1)
    canvas.circle(x, y, radius - 9, stroke=1, fill=0)
    canvas.setFillColor(colours.paper)
    top = fit(page.label("ON-CHAIN"), family.label, 2 * radius - 22, 7.5, 4)
    bottom = fit(page.label("CREDENTIAL"), family.label, 2 * radius - 22, 6.5, 4)
    draw_centred(canvas, x, y + 5, top.text, Style(family.label, top.style.size, 1))
    draw_centred(canvas, x, y - 6, bottom.text, Style(family.label, bottom.style.size, 0.8))

"""Where everything sits on the certificate page (landscape A4, points)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from render.fonts import Face, Style, draw_centred
from render.qr import draw_qr
from render.text import fit

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CENTRE = PAGE_WIDTH / 2

PAPER = HexColor("#FBF7EE")
NAVY = HexColor("#1F2A44")
GOLD = HexColor("#B08D57")
INK = HexColor("#3B4252")
MUTED = HexColor("#7A7F8C")

# Text never comes closer to the gold inner frame than this.
TEXT_WIDTH = PAGE_WIDTH - 2 * 90
QR_SIZE = 84.0

# Faces of the fields that come from users, so input can be checked against them.
NAME_FACE = Face.SERIF_BOLD
TITLE_FACE = Face.SERIF_BOLD
FACT_FACE = Face.SERIF


@dataclass(frozen=True)
class Page:
    """Cleaned strings, ready to print."""

    certificate_id: str
    learner_name: str
    bootcamp_title: str
    cohort_name: str
    completion_date: str
    creation_stamp: str
    total_xp: str
    chain_id: str
    lock_address: str
    key_tx_hash: str
    attestation_uid: str | None
    verify_url: str
    anchor_tx_hash: str | None = None


def draw_page(canvas: Canvas, page: Page) -> None:
    """Draw the whole certificate onto the current page of ``canvas``."""
    _border(canvas)
    _heading(canvas)
    _body(canvas, page)
    _signature(canvas)
    _seal(canvas)
    _qr(canvas, page.verify_url, PAGE_WIDTH - 150 - QR_SIZE / 2, 88)
    _footer(canvas, page)


def _border(canvas: Canvas) -> None:
    """Paper, a navy frame, two gold rules and corner ornaments."""
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(10)
    _inset_rect(canvas, 22)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.6)
    _inset_rect(canvas, 34)
    canvas.setLineWidth(0.6)
    _inset_rect(canvas, 39)
    for x, y in ((39, 39), (PAGE_WIDTH - 39, 39), (39, PAGE_HEIGHT - 39)):
        _corner(canvas, x, y)
    _corner(canvas, PAGE_WIDTH - 39, PAGE_HEIGHT - 39)


def _inset_rect(canvas: Canvas, inset: float) -> None:
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset, stroke=1, fill=0)


def _corner(canvas: Canvas, x: float, y: float) -> None:
    """A gold diamond on the inner frame's corner with a small square behind it."""
    canvas.setFillColor(PAPER)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.rect(x - 9, y - 9, 18, 18, stroke=1, fill=1)
    _diamond(canvas, x, y, 6, GOLD)


def _diamond(canvas: Canvas, x: float, y: float, radius: float, colour: Color) -> None:
    path = canvas.beginPath()
    path.moveTo(x, y + radius)
    path.lineTo(x + radius, y)
    path.lineTo(x, y - radius)
    path.lineTo(x - radius, y)
    path.close()
    canvas.setFillColor(colour)
    canvas.drawPath(path, stroke=0, fill=1)


def _ornament_rule(canvas: Canvas, y: float, half: float) -> None:
    """A thin gold rule broken by a diamond in the middle."""
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(CENTRE - half, y, CENTRE - 10, y)
    canvas.line(CENTRE + 10, y, CENTRE + half, y)
    _diamond(canvas, CENTRE, y, 4, GOLD)


def _heading(canvas: Canvas) -> None:
    canvas.setFillColor(NAVY)
    draw_centred(canvas, CENTRE, 478, "CERTIFICATE", Style(Face.SERIF_BOLD, 38, 8))
    canvas.setFillColor(GOLD)
    draw_centred(canvas, CENTRE, 452, "OF COMPLETION", Style(Face.SANS, 12, 5))
    _ornament_rule(canvas, 434, 120)


def _body(canvas: Canvas, page: Page) -> None:
    canvas.setFillColor(MUTED)
    draw_centred(canvas, CENTRE, 402, "This certifies that", Style(Face.SERIF_ITALIC, 14))
    name = fit(page.learner_name, NAME_FACE, TEXT_WIDTH, 40, 18)
    canvas.setFillColor(NAVY)
    draw_centred(canvas, CENTRE, 352, name.text, name.style)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(CENTRE - 230, 338, CENTRE + 230, 338)
    canvas.setFillColor(MUTED)
    draw_centred(canvas, CENTRE, 312, "has successfully completed", Style(Face.SERIF_ITALIC, 14))
    title = fit(page.bootcamp_title, TITLE_FACE, TEXT_WIDTH, 24, 12)
    canvas.setFillColor(INK)
    draw_centred(canvas, CENTRE, 280, title.text, title.style)
    _facts(canvas, page, 222)


def _facts(canvas: Canvas, page: Page, y: float) -> None:
    """Cohort, completion date and XP in three labelled columns."""
    column = TEXT_WIDTH / 3
    facts = (("COHORT", page.cohort_name), ("COMPLETED ON", page.completion_date))
    for index, (label, value) in enumerate((*facts, ("TOTAL XP EARNED", page.total_xp))):
        x = CENTRE + (index - 1) * column
        canvas.setFillColor(GOLD)
        draw_centred(canvas, x, y + 20, label, Style(Face.SANS, 8, 1.5))
        shown = fit(value, FACT_FACE, column - 24, 14, 8)
        canvas.setFillColor(INK)
        draw_centred(canvas, x, y, shown.text, shown.style)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.5)
    for index in (-1, 1):
        x = CENTRE + index * column / 2
        canvas.line(x, y - 6, x, y + 30)


def _signature(canvas: Canvas) -> None:
    x, y = 150 + QR_SIZE / 2, 122
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.7)
    canvas.line(x - 95, y, x + 95, y)
    canvas.setFillColor(MUTED)
    draw_centred(canvas, x, y - 14, "Program Director", Style(Face.SERIF_ITALIC, 10))


def _seal(canvas: Canvas) -> None:
    """A gold rosette between the signature and the QR code."""
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
    canvas.setFillColor(GOLD)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setStrokeColor(PAPER)
    canvas.setLineWidth(1)
    canvas.circle(x, y, radius - 9, stroke=1, fill=0)
    canvas.setFillColor(PAPER)
    draw_centred(canvas, x, y + 5, "ON-CHAIN", Style(Face.SANS, 7.5, 1))
    draw_centred(canvas, x, y - 6, "CREDENTIAL", Style(Face.SANS, 6.5, 0.8))


def _qr(canvas: Canvas, url: str, x: float, y: float) -> None:
    """A QR code of the verify URL on a white square (scanners need the contrast)."""
    canvas.setFillColor(white)
    canvas.rect(x, y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    canvas.setFillColor(black)
    draw_qr(canvas, url, x, y, QR_SIZE)
    canvas.setFillColor(MUTED)
    draw_centred(canvas, x + QR_SIZE / 2, y - 10, "Scan to verify", Style(Face.SERIF_ITALIC, 8))


#: The line of an off-chain attestation's anchoring transaction (``render.extract`` reads it).
ANCHOR_LABEL = "EAS off-chain attestation, UID anchored in transaction:"


def _footer(canvas: Canvas, page: Page) -> None:
    """The on-chain references, small and monospaced, so they can be typed back."""
    uid = f"Attestation UID: {page.attestation_uid}" if page.attestation_uid else None
    lines = [
        f"Certificate ID: {page.certificate_id}   Chain ID: {page.chain_id}"
        f"   Lock: {page.lock_address}",
        f"Key transaction: {page.key_tx_hash}   {uid or 'Attestation pending'}",
    ]
    if page.anchor_tx_hash:
        lines.append(f"{ANCHOR_LABEL} {page.anchor_tx_hash}")
    canvas.setFillColor(MUTED)
    for index, line in enumerate(lines):
        shown = fit(line, Face.MONO, PAGE_WIDTH - 2 * 60, 6.5, 4)
        draw_centred(canvas, CENTRE, 60 - index * 9, shown.text, shown.style)

"""The verify-URL QR code, drawn as one filled path of module rectangles.

segno encodes (documented API, pure Python). ReportLab's own QR widget builds
one shape object per module and encodes twice per draw; on a certificate it
cost ~80% of the render time.
"""

from __future__ import annotations

import segno
from reportlab.pdfgen.canvas import Canvas

# Scanners need a light margin of four modules around the symbol (ISO 18004).
QUIET_ZONE = 4


def modules(text: str) -> list[list[bool]]:
    """The QR matrix for ``text``, error correction level M, row by row (top first)."""
    # A fixed mask skips segno's scoring of all eight masks (~6 ms a code). Every
    # mask yields a valid symbol; scoring only avoids rare hard-to-scan patterns,
    # and a short URL on a printed page scans fine (tested with zbar).
    code = segno.make_qr(text, error="m", boost_error=False, mask=0)
    return [[bool(cell) for cell in row] for row in code.matrix]


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``text`` with its quiet zone into the square (x, y, size).

    The modules are written as one path in module units (whole numbers, rows
    counted downwards) under a scaling transform: ReportLab's path objects
    format every coordinate as a float, which cost a third of the QR's time."""
    matrix = modules(text)
    count = len(matrix)
    unit = size / (count + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * unit, y + size - QUIET_ZONE * unit
    rects = [
        f"{start} {row_index} {length} 1 re"
        for row_index, row in enumerate(matrix)
        for start, length in _dark_runs(row)
    ]
    canvas.saveState()
    canvas.transform(unit, 0, 0, -unit, left, top)
    canvas.addLiteral("\n".join([*rects, "f"]))
    canvas.restoreState()


def _dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules: fewer, seamless rects."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs

"""Embedded TrueType fonts, and text drawn in runs so every script gets a glyph.

ReportLab's standard 14 fonts cover Latin-1 only, so every string on the page
is drawn with TTF fonts that ReportLab embeds as subsets (small files, text
stays extractable through the ToUnicode map). DejaVu covers Latin, Greek and
Cyrillic; Nanum Myeongjo (regular and bold) covers Hangul, so a Korean name is
bold where a Latin one is; Droid Sans Fallback covers the rest of Chinese,
Japanese and Korean in one regular weight (Debian has no TrueType CJK face with
a bold weight: Noto CJK is CFF-based OpenType, which ReportLab cannot embed, and
the TrueType Chinese and Japanese packages ship one weight). A string is split
into runs, each drawn with the first font that has its characters.

The font files come from Debian packages listed in ``scripts/apt-packages.txt``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certflow.errors import RenderError

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_DROID = Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf")
_NANUM = Path("/usr/share/fonts/truetype/nanum")

#: Hangul: Jamo, compatibility Jamo, Jamo extended A and B, syllables. Nanum also has
#: Latin and some Han; only its Hangul is used, so a Chinese name keeps one face.
HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))


@dataclass(frozen=True)
class FontFile:
    """One TTF file and the Debian package that installs it."""

    name: str
    path: Path
    package: str
    #: Code point ranges this font is used for (empty: every character it has).
    only: tuple[tuple[int, int], ...] = ()


class Face(Enum):
    """The typefaces the certificate uses, each with its fallback chain."""

    SERIF = (
        FontFile("CF-Serif", _DEJAVU / "DejaVuSerif.ttf", "fonts-dejavu-core"),
        FontFile("CF-Serif-Hangul", _NANUM / "NanumMyeongjo.ttf", "fonts-nanum", HANGUL),
    )
    SERIF_BOLD = (
        FontFile("CF-SerifBold", _DEJAVU / "DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
        FontFile("CF-SerifBold-Hangul", _NANUM / "NanumMyeongjoBold.ttf", "fonts-nanum", HANGUL),
    )
    SERIF_ITALIC = (
        FontFile("CF-SerifItalic", _DEJAVU / "DejaVuSerif-Italic.ttf", "fonts-dejavu-extra"),
        FontFile("CF-Serif-Hangul", _NANUM / "NanumMyeongjo.ttf", "fonts-nanum", HANGUL),
    )
    SANS = (
        FontFile("CF-Sans", _DEJAVU / "DejaVuSans.ttf", "fonts-dejavu-core"),
        FontFile("CF-Sans-Hangul", _NANUM / "NanumGothic.ttf", "fonts-nanum", HANGUL),
    )
    MONO = (FontFile("CF-Mono", _DEJAVU / "DejaVuSansMono.ttf", "fonts-dejavu-core"),)

    @property
    def chain(self) -> tuple[FontFile, ...]:
        return (*self.value, CJK_FALLBACK)


CJK_FALLBACK = FontFile("CF-CJK", _DROID, "fonts-droid-fallback")

# ReportLab's font registry is process-global; this mirrors what was registered in it.
_lock = threading.Lock()
_loaded: dict[str, frozenset[int]] = {}


def load(font: FontFile) -> frozenset[int]:
    """Register ``font`` with ReportLab once per process; return its code points."""
    with _lock:
        if font.name not in _loaded:
            if not font.path.is_file():
                raise RenderError(
                    f"font file {font.path} is missing: install the Debian package "
                    f"{font.package} (listed in scripts/apt-packages.txt)"
                )
            # asciiReadable would put all of ASCII into every subset: ~15 KB per face.
            ttf = TTFont(font.name, str(font.path), asciiReadable=False)
            pdfmetrics.registerFont(ttf)
            codes = frozenset(ttf.face.charToGlyph)
            if font.only:
                codes = frozenset(c for c in codes if any(lo <= c <= hi for lo, hi in font.only))
            _loaded[font.name] = codes
        return _loaded[font.name]


def check_fonts() -> None:
    """Load every font now, so a missing package fails at start-up, not mid-queue."""
    for face in Face:
        for font in face.chain:
            load(font)


def covers(char: str, face: Face) -> bool:
    """Whether some font in ``face``'s chain has a glyph for ``char``."""
    return any(ord(char) in load(font) for font in face.chain)


def runs(text: str, face: Face) -> list[tuple[str, str]]:
    """Split ``text`` into (font name, substring) runs.

    Spaces and characters no font has stay in the current run, so a name is
    not chopped into one-character runs around every space.
    """
    chain = [(font.name, load(font)) for font in face.chain]
    out: list[tuple[str, str]] = []
    for char in text:
        code = ord(char)
        name = next((n for n, cmap in chain if code in cmap), None)
        if out and (name is None or char.isspace() or name == out[-1][0]):
            out[-1] = (out[-1][0], out[-1][1] + char)
        else:
            out.append((name or chain[0][0], char))
    return out


@dataclass(frozen=True)
class Style:
    """A face at a size, with optional letter spacing (points between glyphs)."""

    face: Face
    size: float
    spacing: float = 0.0


def width(text: str, style: Style) -> float:
    """The width of ``text`` in points when drawn with ``draw``."""
    glyphs = 0.0
    for name, part in runs(text, style.face):
        glyphs += float(pdfmetrics.stringWidth(part, name, style.size))
    # PDF character spacing follows every glyph, but after the last one it is not ink.
    return glyphs + style.spacing * max(len(text) - 1, 0)


def draw(canvas: Canvas, x: float, y: float, text: str, style: Style) -> None:
    """Draw ``text`` with its left end at (x, y), switching fonts between runs."""
    label = canvas.beginText(x, y)
    # Tc persists in the PDF graphics state across text objects: always set it.
    label.setCharSpace(style.spacing)
    for name, part in runs(text, style.face):
        label.setFont(name, style.size)
        label.textOut(part)
    canvas.drawText(label)


def draw_centred(canvas: Canvas, x: float, y: float, text: str, style: Style) -> None:
    """Draw ``text`` centred on x."""
    draw(canvas, x - width(text, style) / 2, y, text, style)

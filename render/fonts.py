"""Embedded TrueType fonts, and text drawn in runs so every script gets a glyph.

ReportLab's standard 14 fonts cover Latin-1 only, so every string on the page
is drawn with TTF fonts that ReportLab embeds as subsets (small files, text
stays extractable through the ToUnicode map). Each face is a chain of fonts; a
string is split into runs, each drawn with the first font that has its
characters, so a name in any script prints in the face's weight:

- Latin, Greek, Cyrillic: DejaVu (the serif family, certflow's classic look) or
  Noto Sans (the sans family);
- Arabic: Noto Naskh Arabic (serif) or Noto Sans Arabic, regular and bold,
  joined and laid right to left by ``render.shaping``;
- Hangul: Nanum Myeongjo (serif) or Nanum Gothic, regular and bold;
- Han and kana: in bold, Noto Serif/Sans CJK converted to TrueType outlines
  (``render.font_build``: Debian ships them as CFF, which ReportLab cannot
  embed), Simplified Chinese shapes, Japanese ones on a Japanese certificate;
  in regular and italic, Droid Sans Fallback.

The font files come from Debian packages listed in ``scripts/apt-packages.txt``
and the build in ``scripts/bootstrap``.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certflow.errors import RenderError
from render.font_build import (
    SANS_CJK_BOLD,
    SANS_CJK_BOLD_JP,
    SERIF_CJK_BOLD,
    SERIF_CJK_BOLD_JP,
    Conversion,
)
from render.shaping import needs_shaping, visual

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_NOTO = Path("/usr/share/fonts/truetype/noto")
_DROID = Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf")
_NANUM = Path("/usr/share/fonts/truetype/nanum")

#: Hangul: Jamo, compatibility Jamo, Jamo extended A and B, syllables. Nanum also has
#: Latin and some Han; only its Hangul is used, so a Chinese name keeps one face.
HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
#: Arabic letters and their presentation forms (what render.shaping draws).
ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


@dataclass(frozen=True)
class FontFile:
    """One TTF file and the Debian package that installs it."""

    name: str
    path: Path
    package: str
    #: Code point ranges this font is used for (empty: every character it has).
    only: tuple[tuple[int, int], ...] = ()


def _built(name: str, conversion: Conversion) -> FontFile:
    return FontFile(name, conversion.path, f"{conversion.package} (then scripts/bootstrap)")


def _dejavu(name: str, file: str, package: str = "fonts-dejavu-core") -> FontFile:
    return FontFile(name, _DEJAVU / file, package)


def _noto(name: str, file: str, only: tuple[tuple[int, int], ...] = ()) -> FontFile:
    return FontFile(name, _NOTO / file, "fonts-noto-core", only)


def _nanum(name: str, file: str) -> FontFile:
    return FontFile(name, _NANUM / file, "fonts-nanum", HANGUL)


CJK_FALLBACK = FontFile("CF-CJK", _DROID, "fonts-droid-fallback")
_NASKH = _noto("CF-Naskh", "NotoNaskhArabic-Regular.ttf", ARABIC)
_NASKH_BOLD = _noto("CF-NaskhBold", "NotoNaskhArabic-Bold.ttf", ARABIC)
_SANS_ARABIC = _noto("CF-SansArabic", "NotoSansArabic-Regular.ttf", ARABIC)
_SANS_ARABIC_BOLD = _noto("CF-SansArabicBold", "NotoSansArabic-Bold.ttf", ARABIC)
_MYEONGJO = _nanum("CF-Serif-Hangul", "NanumMyeongjo.ttf")
_GOTHIC = _nanum("CF-Sans-Hangul", "NanumGothic.ttf")
_SERIF_BOLD = _dejavu("CF-SerifBold", "DejaVuSerif-Bold.ttf")
_MYEONGJO_BOLD = _nanum("CF-SerifBold-Hangul", "NanumMyeongjoBold.ttf")
_MODERN_BOLD = _noto("CF-ModernBold", "NotoSans-Bold.ttf")
_GOTHIC_BOLD = _nanum("CF-Sans-HangulBold", "NanumGothicBold.ttf")


class Face(Enum):
    """The typefaces the certificate uses, each with its fallback chain."""

    SERIF = (_dejavu("CF-Serif", "DejaVuSerif.ttf"), _NASKH, _MYEONGJO)
    SERIF_BOLD = (
        _SERIF_BOLD,
        _NASKH_BOLD,
        _MYEONGJO_BOLD,
        _built("CF-SerifBold-CJK", SERIF_CJK_BOLD),
    )
    #: The same with Japanese glyph shapes for kanji (a certificate in Japanese).
    SERIF_BOLD_JA = (
        _SERIF_BOLD,
        _NASKH_BOLD,
        _MYEONGJO_BOLD,
        _built("CF-SerifBold-CJKjp", SERIF_CJK_BOLD_JP),
    )
    SERIF_ITALIC = (
        _dejavu("CF-SerifItalic", "DejaVuSerif-Italic.ttf", "fonts-dejavu-extra"),
        _NASKH,
        _MYEONGJO,
    )
    SANS = (_dejavu("CF-Sans", "DejaVuSans.ttf"), _SANS_ARABIC, _GOTHIC)
    MODERN = (_noto("CF-Modern", "NotoSans-Regular.ttf"), _SANS_ARABIC, _GOTHIC)
    MODERN_BOLD = (
        _MODERN_BOLD,
        _SANS_ARABIC_BOLD,
        _GOTHIC_BOLD,
        _built("CF-SansBold-CJK", SANS_CJK_BOLD),
    )
    MODERN_BOLD_JA = (
        _MODERN_BOLD,
        _SANS_ARABIC_BOLD,
        _GOTHIC_BOLD,
        _built("CF-SansBold-CJKjp", SANS_CJK_BOLD_JP),
    )
    MODERN_ITALIC = (_noto("CF-ModernItalic", "NotoSans-Italic.ttf"), _SANS_ARABIC, _GOTHIC)
    MONO = (_dejavu("CF-Mono", "DejaVuSansMono.ttf"),)

    @property
    def chain(self) -> tuple[FontFile, ...]:
        return (*self.value, CJK_FALLBACK)


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
    """Whether some font in ``face``'s chain has a glyph for ``char`` (or for every
    joined form render.shaping draws it with)."""
    shaped = visual(char) if char.isalpha() else char
    return all(any(ord(c) in load(font) for font in face.chain) for c in shaped)


@functools.lru_cache(maxsize=8192)
def runs(text: str, face: Face) -> tuple[tuple[str, str], ...]:
    """Split ``text`` (already in visual order) into (font name, substring) runs.

    Spaces and characters no font has stay in the current run, so a name is
    not chopped into one-character runs around every space. Cached: the same
    labels and names are measured and drawn many times.
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
    return tuple(out)


@dataclass(frozen=True)
class Style:
    """A face at a size, with optional letter spacing (points between glyphs)."""

    face: Face
    size: float
    spacing: float = 0.0


@functools.lru_cache(maxsize=8192)
def width(text: str, style: Style) -> float:
    """The width of ``text`` in points when drawn with ``draw``."""
    shown = visual(text)
    glyphs = 0.0
    for name, part in runs(shown, style.face):
        glyphs += float(pdfmetrics.stringWidth(part, name, style.size))
    # PDF character spacing follows every glyph, but after the last one it is not ink.
    return glyphs + _spacing(text, style) * max(len(shown) - 1, 0)


def draw(canvas: Canvas, x: float, y: float, text: str, style: Style) -> None:
    """Draw ``text`` with its left end at (x, y), switching fonts between runs;
    right-to-left text joined and in visual order (render.shaping)."""
    shown = visual(text)
    label = canvas.beginText(x, y)
    # Tc persists in the PDF graphics state across text objects: always set it.
    label.setCharSpace(_spacing(text, style))
    for name, part in runs(shown, style.face):
        label.setFont(name, style.size)
        label.textOut(part)
    canvas.drawText(label)


def _spacing(text: str, style: Style) -> float:
    # Letter spacing would break the joins between Arabic letters.
    return 0.0 if style.spacing and needs_shaping(text) else style.spacing


def draw_centred(canvas: Canvas, x: float, y: float, text: str, style: Style) -> None:
    """Draw ``text`` centred on x."""
    draw(canvas, x - width(text, style) / 2, y, text, style)


def draw_right(canvas: Canvas, x: float, y: float, text: str, style: Style) -> None:
    """Draw ``text`` with its right end at x."""
    draw(canvas, x - width(text, style), y, text, style)

"""Bold CJK faces ReportLab can embed, built once per machine from Debian's Noto CJK.

Debian's only bold Chinese and Japanese faces are Noto Sans/Serif CJK, and they
are OpenType with CFF outlines, which ReportLab's TTFont cannot read. This
converts one face of each collection to TrueType outlines (cubic to quadratic
curves with fontTools' cu2qu, within 1 font unit) into a cache directory:
about 50 s of CPU per face (four faces), run by ``scripts/bootstrap`` (``python -m
render.font_build``). The output is deterministic (no timestamp is stamped into
it), so certificates rendered on two machines with the same packages are
byte-identical.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_NOTO_CJK = Path("/usr/share/fonts/opentype/noto")


def cache_dir() -> Path:
    """Where built fonts live: ``$XDG_CACHE_HOME/certflow/fonts`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "certflow" / "fonts"


@dataclass(frozen=True)
class Conversion:
    """One face of a CFF collection, converted to a TrueType file named ``target``."""

    source: Path
    index: int  # face in the .ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
    target: str
    package: str = "fonts-noto-cjk"

    @property
    def path(self) -> Path:
        return cache_dir() / self.target


#: Simplified Chinese faces draw Han for every language but Japanese, whose kanji
#: have their own shapes in the JP faces. Hangul comes from Nanum, Latin from DejaVu
#: or Noto Sans: only the ideographs, kana and CJK punctuation are kept (``KEEP``).
SERIF_CJK_BOLD = Conversion(_NOTO_CJK / "NotoSerifCJK-Bold.ttc", 2, "NotoSerifCJKsc-Bold.ttf")
SANS_CJK_BOLD = Conversion(_NOTO_CJK / "NotoSansCJK-Bold.ttc", 2, "NotoSansCJKsc-Bold.ttf")
SERIF_CJK_BOLD_JP = Conversion(_NOTO_CJK / "NotoSerifCJK-Bold.ttc", 0, "NotoSerifCJKjp-Bold.ttf")
SANS_CJK_BOLD_JP = Conversion(_NOTO_CJK / "NotoSansCJK-Bold.ttc", 0, "NotoSansCJKjp-Bold.ttf")
CONVERSIONS = (SERIF_CJK_BOLD, SANS_CJK_BOLD, SERIF_CJK_BOLD_JP, SANS_CJK_BOLD_JP)

#: Code points kept: the spaces (a run keeps its font across a space), radicals,
#: CJK punctuation, kana, Bopomofo, enclosed and compatibility forms, the
#: ideographs (extension A, the URO, compatibility, extensions B and later),
#: fullwidth forms.
KEEP = (
    (0x20, 0x20), (0xA0, 0xA0), (0x3000, 0x3000),
    (0x2E80, 0x2FDF), (0x2FF0, 0x30FF), (0x3100, 0x312F), (0x3190, 0x31FF),
    (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F),
)  # fmt: skip


def convert(conversion: Conversion) -> Path:
    """Write ``conversion``'s TrueType file (atomically); return its path."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    # No "modified" timestamp of today: the same input gives the same bytes.
    font = TTFont(str(conversion.source), fontNumber=conversion.index, recalcTimestamp=False)
    # Half the glyphs: half the conversion time and the memory of every worker.
    options = subset.Options()
    options.layout_features = []  # ReportLab does not apply OpenType layout
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    keep = [c for c in font.getBestCmap() if any(lo <= c <= hi for lo, hi in KEEP)]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in glyf.glyphOrder:
        pen = TTGlyphPen(glyphs)
        # TrueType contours run clockwise, PostScript ones counter-clockwise.
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: ReportLab does not need them
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\0\1\0\0"
    conversion.path.parent.mkdir(parents=True, exist_ok=True)
    partial = conversion.path.with_suffix(f".{os.getpid()}.partial")
    font.save(str(partial), reorderTables=True)
    partial.replace(conversion.path)
    return conversion.path


def build(*, force: bool = False) -> list[Path]:
    """Convert every face not built yet, two at a time (``--force``: all again)."""
    todo = [c for c in CONVERSIONS if force or not c.path.is_file()]
    missing = [c for c in todo if not c.source.is_file()]
    if missing:
        names = ", ".join(str(c.source) for c in missing)
        raise SystemExit(f"missing {names}: install the Debian package fonts-noto-cjk")
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(convert, todo))


if __name__ == "__main__":
    for built in build(force="--force" in sys.argv):
        print(f"built {built}")

"""Arabic on the page: letters joined and runs laid right to left, while the PDF's
text still extracts in logical (reading) order.

ReportLab 5.1 shapes with uharfbuzz, but glyphs it shapes that have no code
point of their own (every joined Arabic form) get private-use code points in
the PDF, so extracted text is garbage; and its bidi needs ``rlbidi``, which is
not on PyPI. So: ``arabic-reshaper`` replaces letters by their joined
presentation forms (code points the Noto Arabic fonts map) and ``python-bidi``
reorders each line into visual order (Unicode's bidi algorithm, UAX #9).

Extractors (poppler's pdftotext, pypdf) put right-to-left runs drawn in visual
order back into reading order themselves; what they would still get is the
presentation forms. So the fonts' ToUnicode maps send each presentation form
to the letters it joins (its NFKC decomposition): the page extracts as the
name was typed. (An /ActualText span was tried first: poppler 22 reverses its
text again for a right-to-left line, so the name extracted backwards.)
"""

from __future__ import annotations

import functools
import unicodedata

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from reportlab.pdfbase import ttfonts

# Keep the vowel marks (shadda, fatha...): they are part of the spelling.
_RESHAPER = ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})
_RTL_CLASSES = frozenset({"R", "AL"})


def needs_shaping(text: str) -> bool:
    """Whether ``text`` has right-to-left letters (Arabic, Hebrew...)."""
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


@functools.lru_cache(maxsize=4096)
def visual(text: str) -> str:
    """``text`` as drawn left to right: joined forms, runs in visual order. Text without
    right-to-left letters comes back unchanged."""
    if not needs_shaping(text):
        return text
    return str(get_display(_RESHAPER.reshape(text)))


_PRESENTATION_FORMS = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def _unicode_of(code: int) -> str:
    """The hex UTF-16BE a ToUnicode map gives for ``code``: as ReportLab writes it,
    except presentation forms, which become the letters they join."""
    if code >= 0xFB50 and any(lo <= code <= hi for lo, hi in _PRESENTATION_FORMS):
        return unicodedata.normalize("NFKC", chr(code)).encode("utf-16-be").hex().upper()
    return f"{code:04X}"


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    return _to_unicode_cmap(fontname, tuple(subset))


@functools.lru_cache(maxsize=512)
def _to_unicode_cmap(fontname: str, subset: tuple[int, ...]) -> str:
    """ReportLab's ``makeToUnicodeCMap`` (reportlab/pdfbase/ttfonts.py, 5.1), with
    presentation forms mapped to their letters; every other entry is byte-identical."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{_unicode_of(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


# ReportLab looks the function up in its module when it writes each font's subset.
ttfonts.makeToUnicodeCMap = to_unicode_cmap

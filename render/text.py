"""Clean user-supplied strings and fit them into a box on the page."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from certflow.errors import RenderError
from certflow.names import without_bidi
from render.fonts import Face, Style, covers, width

ELLIPSIS = "…"

# Nobody's name or a bootcamp title is this long; cutting early bounds the
# cost of measuring hostile input before the width-based truncation.
MAX_CHARS = 200

# Categories that never belong in a printed field: controls (Cc), private use
# (Co), unassigned (Cn) and lone surrogates (Cs). Format characters (Cf) stay:
# the zero-width joiner is part of some names.
_DROP = frozenset({"Cc", "Co", "Cn", "Cs"})


def clean(value: str, field: str, *, max_chars: int | None = MAX_CHARS) -> str:
    """NFC-normalise ``value``, turn control characters into spaces, collapse spaces.

    Raises RenderError naming ``field`` when nothing printable is left. Cuts
    the result to ``max_chars`` (None: callers that must not cut, like URLs).
    """
    # Direction overrides would make a browser show this text in another order than
    # the PDF draws it (certflow.names): gone here too.
    normal = unicodedata.normalize("NFC", without_bidi(value))
    kept = "".join(" " if unicodedata.category(c) in _DROP else c for c in normal)
    text = " ".join(kept.split())
    if not text:
        raise RenderError(f"{field} is empty: a certificate needs a printable {field}")
    return text if max_chars is None else text[:max_chars]


def printable(text: str, face: Face, field: str) -> str:
    """Drop symbols no font can draw (emoji); refuse letters no font can draw.

    A name in a script we have no font for (or that needs shaping, like
    Arabic) must not be printed as boxes: that is a clear, recorded error.
    """
    kept = []
    for char in text:
        if covers(char, face):
            kept.append(char)
        elif unicodedata.category(char)[0] in "LMN":
            raise RenderError(
                f"{field} has characters no certificate font can print: {char!r} "
                f"(U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"
            )
    result = " ".join("".join(kept).split())
    if not result:
        raise RenderError(f"{field} is empty: a certificate needs a printable {field}")
    return result


@dataclass(frozen=True)
class Fitted:
    """A string and the style (size) at which it fits its box."""

    text: str
    style: Style


def fit(text: str, face: Face, max_width: float, size: float, min_size: float) -> Fitted:
    """Shrink ``text`` from ``size`` towards ``min_size``, then cut it with an ellipsis.

    The result is never wider than ``max_width``.
    """
    style = Style(face, size)
    while style.size > min_size and width(text, style) > max_width:
        style = Style(face, max(min_size, style.size * 0.92))
    if width(text, style) <= max_width:
        return Fitted(text, style)
    return Fitted(_truncate(text, style, max_width), style)


def _truncate(text: str, style: Style, max_width: float) -> str:
    """The longest prefix of ``text`` that fits with an ellipsis (binary search)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip() + ELLIPSIS, style) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS

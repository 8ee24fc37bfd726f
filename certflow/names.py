"""Names as people read them: no direction overrides, no control characters.

A bidi control (U+202A-U+202E, U+2066-U+2069) makes a browser show "exe.pdf"
where the PDF, which draws characters in their stored order, shows "fdp.exe";
BEL, ESC and the other controls print as nothing or as garbage. They are
removed when a name is stored (the trigger in ``sql/rules/names.sql``) and
again when it is printed (for rows stored before that rule).
"""

from __future__ import annotations

import re
import unicodedata

#: Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069); the marks U+200E,
#: U+200F and U+061C are kept out too: a name needs none of them.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def without_bidi(text: str) -> str:
    return _BIDI.sub("", text)


def without_controls(text: str) -> str:
    """``text`` without bidi controls; other control characters become spaces, and
    runs of spaces one space (the rule the database applies when a name is stored)."""
    text = without_bidi(text)
    kept = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(kept.split())

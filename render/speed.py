"""Per-process caches around ReportLab: the same inputs give the same bytes, sooner.

Most of a certificate is the same from one PDF to the next: the labels, the
footer's characters, the template's images. Profiling (``cProfile`` over 200
certificates, README "Rendering cost") put half of the time in building font
subsets (``TTFontFace.makeSubset``) and deflating them (``zlib.compress``),
both recomputed for every document although most subsets repeat (a label face
draws the same characters every time). These wrap the two with bounded memos
keyed by their complete input, so the output is byte-identical to uncached
ReportLab; only the time changes. Installed once, when ``render.certificate``
is imported.
"""

from __future__ import annotations

import functools
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from reportlab.pdfbase import pdfdoc, ttfonts

# Deflate only pays to cache for what repeats: font files, ToUnicode maps, images.
_MIN_CACHED = 2048
_MAX_ENTRIES = 512
_lock = threading.Lock()
_deflated: OrderedDict[bytes, bytes] = OrderedDict()


def _deflate(text: str | bytes) -> bytes:
    data = text.encode("utf8") if isinstance(text, str) else text
    if len(data) < _MIN_CACHED:
        return zlib.compress(data)
    with _lock:
        found = _deflated.get(data)
        if found is not None:
            _deflated.move_to_end(data)
            return found
    packed = zlib.compress(data)
    with _lock:
        _deflated[data] = packed
        while len(_deflated) > _MAX_ENTRIES:
            _deflated.popitem(last=False)
    return packed


def _cached_subsets(make: Callable[[Any, list[int]], bytes]) -> Callable[[Any, list[int]], bytes]:
    @functools.lru_cache(maxsize=_MAX_ENTRIES)
    def cached(face: Any, subset: tuple[int, ...]) -> bytes:
        return make(face, list(subset))

    @functools.wraps(make)
    def make_subset(self: Any, subset: list[int]) -> bytes:
        return cached(self, tuple(subset))

    return make_subset


def install() -> None:
    """Install the caches (idempotent)."""
    with _lock:
        if getattr(ttfonts.TTFontFace.makeSubset, "certflow_cached", False):
            return
        pdfdoc.PDFZCompress.encode = _deflate
        cached = _cached_subsets(ttfonts.TTFontFace.makeSubset)
        cached.certflow_cached = True  # type: ignore[attr-defined]
        ttfonts.TTFontFace.makeSubset = cached

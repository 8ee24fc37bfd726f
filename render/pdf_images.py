"""Template images embedded without re-encoding them for every certificate.

``Canvas.drawImage`` decodes the image, hashes its pixels (MD5 over the raw RGB
data, to name the XObject) and deflates them again for every document: with a
logo, two signatures and a background that was 5 ms a certificate, more than
the rest of the page. Here each image becomes a ``PDFImageXObject`` (and its
soft mask) once per process; each document gets a shallow copy registered under
the same name, and the same drawing operators ``drawImage`` writes, so the PDF
bytes are the same as ReportLab's own path.
"""

from __future__ import annotations

import copy
import functools
import io
from dataclasses import dataclass

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas, _digester

from render.template import Image


@dataclass(frozen=True)
class _Prepared:
    image: pdfdoc.PDFImageXObject
    smask: pdfdoc.PDFImageXObject | None

    @property
    def reg_name(self) -> str:
        return str(pdfdoc.xObjectName(self.image.name))


@functools.lru_cache(maxsize=64)
def _prepare(sha256: str, data: bytes, kind: str) -> _Prepared:
    """What drawImage builds on first use in a document (reportlab/pdfgen/canvas.py, 5.1)."""
    reader = ImageReader(io.BytesIO(data))
    mask = "auto" if kind == "png" else None
    raw = reader.getRGBData()
    alpha = reader._dataA
    mask_data = alpha.getRGBData() if mask == "auto" and alpha else str(mask).encode("utf8")
    name = _digester(raw + mask_data)
    image = pdfdoc.PDFImageXObject(name, reader, mask=mask)
    image.name = name
    _pre_encode(image)
    smask = getattr(image, "_smask", None)
    if smask is not None:
        del image._smask
        _pre_encode(smask)
        image.smask = pdfdoc.PDFObjectReference(pdfdoc.xObjectName(smask.name))
    return _Prepared(image, smask)


def _pre_encode(image: pdfdoc.PDFImageXObject) -> None:
    """Encode the stream once as ``PDFStream.format`` would (pdfdocEnc passes bytes
    through): re-encoding a background's str of pixels was a third of a render."""
    image.XObjects = None
    image.streamContent = pdfdoc.pdfdocEnc(image.streamContent)


def draw_prepared(
    canvas: Canvas, image: Image, x: float, y: float, width: float, height: float
) -> None:
    """Draw ``image`` stretched to (x, y, width, height), as ``drawImage`` would."""
    prepared = _prepare(image.sha256, image.data, image.kind)
    doc = canvas._doc
    reg_name = prepared.reg_name
    if reg_name not in doc.idToObject:
        doc.Reference(copy.copy(prepared.image), reg_name)
        doc.addForm(prepared.image.name, doc.idToObject[reg_name])
        if prepared.smask is not None:
            doc.Reference(copy.copy(prepared.smask), pdfdoc.xObjectName(prepared.smask.name))
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas.addLiteral(f"/{reg_name} Do")
    canvas.restoreState()
    canvas._formsinuse.append(prepared.image.name)  # the page's /XObject resources

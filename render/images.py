"""Images an issuer uploads for a template (logo, signatures, background): checked
once, when they are stored, by decoding them with Pillow.

A file is accepted only when Pillow decodes it completely as PNG or JPEG: the
extension, the content type and the first bytes are not trusted (a polyglot or
a truncated file fails the decode). Limits bound what one certificate costs to
render and to store, and refuse decompression bombs before any pixel is decoded
(the header's dimensions are checked first).
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from certflow.errors import ImageRefused
from render.template import Image, ImageKind

#: Largest file accepted, in bytes: a logo or a signature is tens of KB, a
#: background a few hundred; each certificate embeds the images it prints.
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: Largest width or height in pixels (A4 landscape at 300 dpi is 3508 x 2480).
MAX_IMAGE_SIDE = 4000
#: Smallest width or height: anything smaller is not legible on a page.
MIN_IMAGE_SIDE = 16
#: Largest width x height, so a long thin image cannot cost more than a page.
MAX_IMAGE_PIXELS = 3508 * 2480

_LIMITS = (
    f"the largest accepted is {MAX_IMAGE_SIDE} pixels a side and {MAX_IMAGE_PIXELS:,} pixels in all"
)
_FORMATS: dict[str, ImageKind] = {"PNG": "png", "JPEG": "jpeg"}
# Modes ReportLab embeds as they are; CMYK JPEGs print with inverted colours in
# some viewers, so the issuer is asked for RGB.
_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "I;16", "I"})


def validate_image(data: bytes) -> Image:
    """Decode ``data`` as PNG or JPEG within the limits; raise ImageRefused saying why not."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(
            f"the image is {_size(len(data))}; the largest accepted is "
            f"{_size(MAX_IMAGE_BYTES)} (2 MB)"
        )
    if not data:
        raise ImageRefused("the file is empty: upload a PNG or JPEG image")
    with warnings.catch_warnings():
        # Pillow warns (then errors) on huge images; our own limits answer first.
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(io.BytesIO(data), formats=None) as image:
                kind = _kind(image.format)
                width, height = image.size
                _check_dimensions(width, height)
                if image.mode not in _MODES:
                    raise ImageRefused(
                        f"the image's colour mode is {image.mode}: save it as RGB "
                        "(PNG or JPEG) and upload it again"
                    )
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
        except UnidentifiedImageError:
            raise ImageRefused("the file is not an image: upload a PNG or JPEG image") from None
        except PILImage.DecompressionBombError:
            raise ImageRefused(f"the image is far too large: {_LIMITS}") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRefused(f"the image cannot be decoded ({exc}): upload it again") from exc
    return Image(
        kind=kind,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )


def _kind(pil_format: str | None) -> ImageKind:
    kind = _FORMATS.get(pil_format or "")
    if kind is None:
        raise ImageRefused(
            f"the image is {pil_format or 'of an unknown format'}: only PNG and JPEG are accepted"
        )
    return kind


def _check_dimensions(width: int, height: int) -> None:
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ImageRefused(f"the image is {width} x {height} pixels; {_LIMITS}")
    if min(width, height) < MIN_IMAGE_SIDE:
        raise ImageRefused(
            f"the image is {width} x {height} pixels; it needs at least "
            f"{MIN_IMAGE_SIDE} pixels a side to be legible"
        )


def _size(count: int) -> str:
    return f"{count:,} bytes"

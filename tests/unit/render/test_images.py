"""Template images are accepted only when Pillow decodes them as PNG or JPEG within limits."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image as PILImage

from certflow.errors import ImageRefused, RenderError
from render.images import MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, validate_image


def encoded(fmt: str, size: tuple[int, int] = (120, 60), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    PILImage.new(mode, size, "red" if mode == "RGB" else 0).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "kind"), [("PNG", "png"), ("JPEG", "jpeg")])
def test_png_and_jpeg_are_accepted_with_their_facts(fmt: str, kind: str) -> None:
    data = encoded(fmt)
    image = validate_image(data)
    assert (image.kind, image.width, image.height) == (kind, 120, 60)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.data == data


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_other_image_formats_are_refused_by_name(fmt: str) -> None:
    with pytest.raises(ImageRefused, match=f"the image is {fmt}: only PNG and JPEG"):
        validate_image(encoded(fmt))


def test_a_file_that_is_not_an_image_is_refused() -> None:
    with pytest.raises(ImageRefused, match="not an image"):
        validate_image(b"%PDF-1.4 this is a pdf, not a logo")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ImageRefused, match="empty"):
        validate_image(b"")


def test_an_oversized_file_is_refused_before_decoding() -> None:
    data = encoded("PNG") + b"\0" * MAX_IMAGE_BYTES
    with pytest.raises(ImageRefused, match="the largest accepted is 2,097,152 bytes"):
        validate_image(data)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_too_many_pixels_are_refused_from_the_header() -> None:
    """A decompression bomb: a tiny PNG whose header claims 20000 x 20000 pixels."""
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 4096)
    bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", body)
    assert len(bomb) < 200
    with pytest.raises(ImageRefused, match="far too large: the largest accepted is 4000 pixels"):
        validate_image(bomb)


def test_a_side_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(ImageRefused, match=f"{MAX_IMAGE_SIDE} pixels a side"):
        validate_image(encoded("PNG", (MAX_IMAGE_SIDE + 1, 20)))


def test_a_tiny_image_is_refused() -> None:
    with pytest.raises(ImageRefused, match="at least 16 pixels"):
        validate_image(encoded("PNG", (8, 8)))


def test_a_truncated_png_is_refused() -> None:
    data = encoded("PNG", (400, 400))
    with pytest.raises(ImageRefused, match="cannot be decoded"):
        validate_image(data[: len(data) // 2])


def test_a_cmyk_jpeg_is_refused_with_what_to_do() -> None:
    with pytest.raises(ImageRefused, match="CMYK: save it as RGB"):
        validate_image(encoded("JPEG", mode="CMYK"))


def test_image_refusals_are_render_errors_that_are_permanent() -> None:
    with pytest.raises(RenderError) as caught:
        validate_image(b"nope")
    assert not caught.value.transient
    assert "PNG or JPEG" in caught.value.user_message

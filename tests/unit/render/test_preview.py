"""A template preview is a PNG of a certificate with sample data."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from render.preview import preview_png
from render.template import DEFAULT


def test_the_preview_is_an_a4_landscape_png() -> None:
    png = preview_png(DEFAULT, "en")
    with PILImage.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (1123, 794))

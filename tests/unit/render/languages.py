"""Certificates in every shipped language and both layouts, and their golden images.

Regenerate the goldens after a deliberate change to the look (then look at them):
``.venv/bin/python -m tests.unit.render.languages``.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw

from render.certificate import CertificateData, Score, render_pdf
from render.i18n import SHIPPED
from render.images import validate_image
from render.preview import rasterise
from render.template import DEFAULT, Colours, Image, Signatory, Template
from tests.unit.render.samples import sample

GOLDENS = Path(__file__).with_name("goldens")
#: pdftoppm resolution of the goldens: small files, still every block and line.
GOLDEN_DPI = 30

NAMES = {
    "en": "Amélie Dubois",
    "es": "María José García",
    "fr": "Éloïse Lefèvre",
    "de": "Jürgen Groß",
    "pt": "João Conceição",
    "ar": "ليلى حداد",
    "zh": "王小明",
    "ja": "山田はなこ",
    "ko": "김민준",
}
assert set(NAMES) == set(SHIPPED)


def _png(size: tuple[int, int], lines: str) -> Image:
    picture = PILImage.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    if lines == "logo":
        draw.ellipse([6, 6, size[1] - 6, size[1] - 6], fill=(200, 60, 40, 255))
        draw.rectangle([size[1] + 10, 30, size[0] - 10, size[1] - 30], fill=(40, 60, 120, 255))
    else:
        points = [(10 + i * 6, 50 + (22 if i % 3 == 0 else -18)) for i in range(45)]
        draw.line(points, fill=(20, 20, 80, 255), width=4)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return validate_image(buffer.getvalue())


LOGO = _png((360, 120), "logo")
SIGNATURE = _png((300, 100), "signature")
MODERN = Template(
    key="test-modern-v1",
    layout="modern",
    font_family="sans",
    colours=Colours(primary="#0B3D2E", accent="#E0A526", paper="#FFFFFF", ink="#1B1B1B"),
    logo=LOGO,
    signatories=(
        Signatory("Grace Hopper", "Program Director", SIGNATURE),
        Signatory("Alan Turing", "Head of Faculty"),
    ),
    fields=frozenset({"cohort", "total_xp", "score"}),
)
LAYOUTS = {"classic": DEFAULT, "modern": MODERN}


def certificate(language: str, layout: str) -> CertificateData:
    return sample(
        locale=language,
        learner_name=NAMES[language],
        template=LAYOUTS[layout],
        score=Score(Decimal(92), Decimal(100)),
        email="learner@example.com",
    )


def golden_path(language: str, layout: str) -> Path:
    return GOLDENS / f"{language}-{layout}.png"


def rendered_image(language: str, layout: str) -> PILImage.Image:
    png = rasterise(render_pdf(certificate(language, layout)), dpi=GOLDEN_DPI)
    return PILImage.open(io.BytesIO(png)).convert("L")


def difference(a: PILImage.Image, b: PILImage.Image) -> float:
    """Share of pixels whose grey level differs by more than a quarter of the range."""
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
    histogram = diff.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


def regenerate() -> None:
    GOLDENS.mkdir(exist_ok=True)
    for language in SHIPPED:
        for layout in LAYOUTS:
            rendered_image(language, layout).save(golden_path(language, layout), optimize=True)
            print(f"wrote {golden_path(language, layout)}")


if __name__ == "__main__":
    regenerate()

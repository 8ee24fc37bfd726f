"""A template's preview: a certificate with sample data, as a PNG (for the CLI's
``certflow templates preview`` and the admin page)."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from certflow.errors import RenderError
from render.certificate import CertificateData, Score, render_pdf
from render.template import Template

#: Sample learner names per language, so a preview shows the script it will print.
_SAMPLE_NAMES = {
    "ar": "ليلى حداد",
    "ja": "山田 花子",
    "ko": "김민준",
    "zh": "王小明",
}
_PREVIEW_TIMEOUT = 60


def sample_data(
    template: Template, locale: str, custom_fields: Sequence[tuple[str, str]] = ()
) -> CertificateData:
    """A complete certificate with made-up facts, every optional field filled in."""
    language = locale.replace("_", "-").split("-")[0].lower()
    return CertificateData(
        certificate_id="00000000-0000-4000-8000-000000000000",
        learner_name=_SAMPLE_NAMES.get(language, "Ada Lovelace"),
        bootcamp_title="Sample Bootcamp",
        cohort_name="Cohort 1",
        completion_date=dt.date(2025, 3, 12),
        total_xp=12450,
        chain_id=84532,
        lock_address="0x" + "0" * 40,
        key_tx_hash="0x" + "0" * 64,
        attestation_uid="0x" + "0" * 64,
        verify_url="https://certflow.example/verify/00000000-0000-4000-8000-000000000000",
        locale=locale,
        template=template,
        score=Score(Decimal(92), Decimal(100)),
        email="learner@example.com",
        custom_fields=tuple(custom_fields),
    )


def preview_pdf(
    template: Template, locale: str, custom_fields: Sequence[tuple[str, str]] = ()
) -> bytes:
    """The sample certificate as PDF bytes."""
    return render_pdf(sample_data(template, locale, custom_fields))


def preview_png(
    template: Template,
    locale: str,
    custom_fields: Sequence[tuple[str, str]] = (),
    *,
    dpi: int = 96,
) -> bytes:
    """The sample certificate rasterised by poppler's ``pdftoppm`` to PNG bytes
    (A4 landscape at 96 dpi is 1123 x 794 pixels)."""
    return rasterise(preview_pdf(template, locale, custom_fields), dpi=dpi)


def rasterise(pdf: bytes, *, dpi: int = 96) -> bytes:
    """The first page of ``pdf`` as PNG bytes; RenderError if poppler is missing or fails."""
    with tempfile.TemporaryDirectory(prefix="certflow-preview-") as tmp:
        source = Path(tmp) / "certificate.pdf"
        source.write_bytes(pdf)
        argv = ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source)]
        try:
            subprocess.run(
                [*argv, str(Path(tmp) / "page")],
                capture_output=True,
                check=True,
                timeout=_PREVIEW_TIMEOUT,
            )
        except FileNotFoundError as exc:
            raise RenderError(
                "pdftoppm is missing: install the Debian package poppler-utils"
            ) from exc
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RenderError(f"the preview could not be rasterised: {exc}") from exc
        return (Path(tmp) / "page.png").read_bytes()

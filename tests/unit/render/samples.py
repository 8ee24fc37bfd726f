"""Certificate data and PDF readers shared by the render tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from render.certificate import CertificateData

VERIFY_URL = "https://certflow.example/verify/7d0c6f1e-3b7a-4c2e-9a51-2f4f5e6d7c8b"
ATTESTATION_UID = "0x" + "5e1f" * 16


def sample(**changes: Any) -> CertificateData:
    """A complete certificate; keyword arguments replace fields."""
    data = CertificateData(
        certificate_id="7d0c6f1e-3b7a-4c2e-9a51-2f4f5e6d7c8b",
        learner_name="Amélie Dubois",
        bootcamp_title="Solidity Foundations Bootcamp",
        cohort_name="Cohort 7 — Lagos",
        completion_date=dt.date(2025, 3, 12),
        total_xp=12450,
        chain_id=84532,
        lock_address="0x" + "a1b2" * 10,
        key_tx_hash="0x" + "9c" * 32,
        attestation_uid=ATTESTATION_UID,
        verify_url=VERIFY_URL,
    )
    return dataclasses.replace(data, **changes)


def pypdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _with_file(pdf: bytes, argv: list[str]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificate.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            [*argv, str(path), "-"], capture_output=True, check=True, timeout=60
        )
    return result.stdout.decode()


def pdftotext(pdf: bytes) -> str:
    """Text as poppler extracts it (an independent parser)."""
    return _with_file(pdf, ["pdftotext", "-enc", "UTF-8"])


def pdftotext_bbox(pdf: bytes) -> str:
    """Poppler's XHTML with each word's bounding box."""
    return _with_file(pdf, ["pdftotext", "-bbox", "-enc", "UTF-8"])


def qr_payloads(pdf: bytes, dpi: int = 150) -> list[str]:
    """Every QR code zbarimg finds on the page rendered by pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "certificate.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(path), str(Path(tmp) / "page")],
            check=True,
            timeout=60,
        )
        # zbarimg exits 4 when it finds nothing; that is an answer, not a crash.
        result = subprocess.run(
            ["zbarimg", "--quiet", "-Sdisable", "-Sqrcode.enable", str(Path(tmp) / "page.png")],
            capture_output=True,
            check=False,
            timeout=60,
        )
    prefix = "QR-Code:"
    return [
        line[len(prefix) :]
        for line in result.stdout.decode().splitlines()
        if line.startswith(prefix)
    ]

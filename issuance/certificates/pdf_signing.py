"""Sign a rendered certificate with PAdES when the issuer's certificate is configured.

B-B with PDF_SIGNING_CERT_FILE and PDF_SIGNING_KEY_FILE; B-T when TSA_URL is
set too. Unconfigured, the PDF is stored as rendered (and verified by its
sha256 alone).
"""

from __future__ import annotations

from uuid import UUID

from certflow.settings import Settings
from render.signing import load_signer, sign_pdf


def signs_pdfs(settings: Settings) -> bool:
    return settings.pdf_signing_cert_file is not None or settings.pdf_signing_key_file is not None


def signed_pdf(settings: Settings, pdf: bytes, cert_id: UUID) -> bytes:
    """``pdf`` signed by the issuer (or as it is, when PDF signing is not configured)."""
    if not signs_pdfs(settings):
        return pdf
    settings.require("pdf_signing_cert_file", "pdf_signing_key_file")
    assert settings.pdf_signing_cert_file is not None  # required above; narrows the type
    assert settings.pdf_signing_key_file is not None
    signer = load_signer(settings.pdf_signing_cert_file, settings.pdf_signing_key_file)
    reason = f"{settings.issuer_name} issued certificate {cert_id}"
    return sign_pdf(pdf, signer, settings.tsa_url, reason)

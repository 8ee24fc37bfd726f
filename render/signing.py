"""PAdES signatures on certificate PDFs, with pyHanko: sign, and validate what was signed.

Signing is an incremental update that adds a PAdES baseline B-B signature
(ETSI.CAdES.detached, SHA-256) by the issuer's X.509 certificate, and a
signature timestamp from an RFC 3161 authority when ``TSA_URL`` is set
(baseline B-T). The recorded sha256 is the signed file's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from certflow.errors import PdfSigningUnavailable, RenderError

FIELD = "certflow"
#: Room for the CMS signature in the file: a P-256 or RSA-2048 signature with a chain of two
#: fits in 8 KiB, a timestamp token with its TSA's chain in 8 more. Reserving it up front
#: spares pyHanko a dry-run signature to measure it (about half the signing time).
RESERVED = 8192
RESERVED_WITH_TIMESTAMP = 16384

P = ParamSpec("P")
T = TypeVar("T")


def _off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call one of pyHanko's sync functions, which run ``asyncio.run`` inside: from a thread
    that already runs an event loop (async code, or Playwright's sync API in the tests)
    that raises, so there the call runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


@functools.cache
def load_signer(cert_file: Path, key_file: Path) -> signers.SimpleSigner:
    """The signer: the first certificate of ``cert_file`` with ``key_file``'s key; the
    other certificates of ``cert_file`` (its chain) are embedded in each signature."""
    try:
        certs = list(load_certs_from_pemder([str(cert_file)]))  # type: ignore[no-untyped-call]
        key = load_private_key_from_pemder(str(key_file), passphrase=None)
    except (OSError, ValueError) as exc:
        # Never the key's bytes: the file names and the reason only.
        raise RenderError(f"PDF_SIGNING_CERT_FILE / PDF_SIGNING_KEY_FILE: {exc}") from None
    if not certs:
        raise RenderError("PDF_SIGNING_CERT_FILE holds no certificate")
    signing, *chain = certs
    return signers.SimpleSigner(
        signing_cert=signing,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
    )


def sign_pdf(pdf: bytes, signer: signers.Signer, tsa_url: str | None, reason: str) -> bytes:
    """``pdf`` with a PAdES signature (B-B; B-T with a timestamp from ``tsa_url``)."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=10) if tsa_url else None
    try:
        signed = _off_loop(
            signers.sign_pdf,
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            meta,
            signer=signer,
            timestamper=timestamper,
            bytes_reserved=RESERVED_WITH_TIMESTAMP if tsa_url else RESERVED,
        )
    except timestamps.TimestampRequestError as exc:
        raise PdfSigningUnavailable(f"the timestamp authority did not answer: {exc}") from exc
    return bytes(signed.getvalue())


def trust_roots(cert_file: Path) -> list[asn1_x509.Certificate]:
    """The roots to validate against: the self-signed certificates of ``cert_file`` (its
    chain), or its last certificate when none is self-signed."""
    certs = list(load_certs_from_pemder([str(cert_file)]))  # type: ignore[no-untyped-call]
    roots = [cert for cert in certs if cert.self_signed != "no"]
    return roots or certs[-1:]


@dataclass(frozen=True)
class PdfSignatureCheck:
    intact: bool
    valid: bool
    trusted: bool
    whole_file: bool
    signer: str
    signed_at: dt.datetime | None
    #: The RFC 3161 timestamp's time, when the signature has one (B-T), and whether it holds.
    timestamp: dt.datetime | None
    timestamp_ok: bool | None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.whole_file

    def summary(self) -> str:
        parts = [
            "intact" if self.intact else "NOT intact (changed after signing)",
            "valid" if self.valid else "NOT valid",
            "trusted" if self.trusted else "NOT trusted by our root",
            "covers the whole file" if self.whole_file else "does NOT cover the whole file",
        ]
        stamped = "no timestamp (B-B)"
        if self.timestamp is not None:
            good = "valid" if self.timestamp_ok else "NOT valid"
            stamped = f"timestamped {self.timestamp.isoformat()} ({good}, B-T)"
        return f"signed by {self.signer}: {', '.join(parts)}; {stamped}"


def check_pdf_signature(pdf: bytes, roots: list[asn1_x509.Certificate]) -> PdfSignatureCheck | None:
    """pyHanko's validation of the file's certflow signature against ``roots``; None: unsigned."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        found = [s for s in reader.embedded_signatures if s.field_name == FIELD]
    except Exception as exc:  # any parse failure of a file someone gave us
        raise RenderError(f"the PDF cannot be read: {exc}") from None
    if not found:
        return None
    context = ValidationContext(trust_roots=roots)
    status = _off_loop(
        validate_pdf_signature,
        found[-1],
        signer_validation_context=context,
        ts_validation_context=context,
    )
    stamp = status.timestamp_validity
    return PdfSignatureCheck(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        timestamp=None if stamp is None else stamp.timestamp,
        timestamp_ok=None
        if stamp is None
        else bool(stamp.intact and stamp.valid and stamp.trusted),
    )

"""Read back the values printed on a certificate PDF (for ``certflow verify``).

This parses the page text as any PDF reader sees it, not private metadata, so
it checks what a person holding the PDF actually has. Needs ``pypdf``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from certflow.errors import RenderError
from render import i18n
from render.certificate import ATTESTATION_PENDING

_FIELDS = {
    "certificate_id": re.compile(r"Certificate ID: (\S+)"),
    "chain_id": re.compile(r"Chain ID: (\d+)"),
    "lock_address": re.compile(r"Lock: (0x[0-9a-fA-F]+)"),
    "key_tx_hash": re.compile(r"Key transaction: (0x[0-9a-fA-F]+)"),
}
_ATTESTATION = re.compile(r"Attestation UID: (0x[0-9a-fA-F]+)")
_ANCHOR = re.compile(r"anchored in transaction: (0x[0-9a-fA-F]+)")


@dataclass(frozen=True)
class PrintedFields:
    """The identifiers and names as printed on the page."""

    certificate_id: str
    chain_id: int
    lock_address: str
    key_tx_hash: str
    attestation_uid: str | None  # None when the page says "Attestation pending"
    learner_name: str
    bootcamp_title: str
    anchor_tx_hash: str | None = None  # off-chain attestations only


def read_printed_fields(pdf: bytes) -> PrintedFields:
    """Extract the printed fields; RenderError if ``pdf`` is not a certflow certificate."""
    text = _page_text(pdf)
    found = {name: pattern.search(text) for name, pattern in _FIELDS.items()}
    missing = [name for name, match in found.items() if match is None]
    if missing:
        raise RenderError(f"not a certflow certificate: no {', '.join(missing)} on the page")
    values = {name: match.group(1) for name, match in found.items() if match is not None}
    uid = _ATTESTATION.search(text)
    if uid is None and ATTESTATION_PENDING not in text:
        raise RenderError("not a certflow certificate: no attestation line on the page")
    lines = [line.strip() for line in text.splitlines()]
    return PrintedFields(
        certificate_id=values["certificate_id"],
        chain_id=int(values["chain_id"]),
        lock_address=values["lock_address"],
        key_tx_hash=values["key_tx_hash"],
        attestation_uid=uid.group(1) if uid else None,
        learner_name=_line_after(lines, "This certifies that"),
        bootcamp_title=_line_after(lines, "has successfully completed"),
        anchor_tx_hash=anchor.group(1) if (anchor := _ANCHOR.search(text)) else None,
    )


def _page_text(pdf: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if len(reader.pages) != 1:
            raise RenderError(f"a certificate has one page, this PDF has {len(reader.pages)}")
        return reader.pages[0].extract_text()
    except (PyPdfError, ValueError) as exc:
        raise RenderError(f"cannot read the PDF: {exc}") from exc


def _line_after(lines: list[str], msgid: str) -> str:
    """The line after the label ``msgid`` in whichever shipped language the page uses."""
    markers = {i18n.label(language, msgid) for language in i18n.SHIPPED}
    for index, line in enumerate(lines[:-1]):
        if line in markers:
            return lines[index + 1]
    raise RenderError(f"not a certflow certificate: no {msgid!r} line")

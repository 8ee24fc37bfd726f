"""The pure comparisons behind ``certflow verify``: what was printed or attested, against
what the record says it should be.

Expected values are never mapped here: they come from ``issuance.certificates.records``
(``certificate_data`` for the page, ``completion_attestation`` for the chain),
the same functions that produced the certificate and the attestation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from chain.attestation import SCHEMA, CompletionAttestation, OnchainAttestation
from db.certificates import CertificateRow
from db.records import CertificateRecord
from db.revocations import Revocation
from render.certificate import CertificateData
from render.extract import PrintedFields
from render.text import ELLIPSIS

#: Schema field names (``cohortId``...), in the order of ``CompletionAttestation``'s fields.
SCHEMA_NAMES = tuple(item.split(" ")[1] for item in SCHEMA.split(","))

# Hex on chain: the case is a checksum presentation, not part of the value.
_HEX_FIELDS = frozenset({"user_address", "certificate_tx_hash"})
# Compared on their own terms below, not as plain equality.
_SPECIAL_FIELDS = frozenset({"completion_date"})


def sha_detail(what: str, actual: str, recorded: str) -> str:
    if actual == recorded:
        return f"{what} sha256 {actual}"
    return f"{what} sha256 {actual}, database has {recorded}"


def current_detail(row: CertificateRow, newest: CertificateRow | None) -> str:
    if row.is_current:
        return f"version {row.version} is the current certificate"
    newer = f"version {newest.version} ({newest.id})" if newest else "a newer version"
    return f"version {row.version} was superseded by {newer}"


def printed_mismatches(
    expected: CertificateData, row: CertificateRow, printed: PrintedFields
) -> list[str]:
    """How the page differs from what the record prints today.

    The attestation UID is the version's own (``row``): a superseded version
    rightly printed the UID, or the pending notice, of its time.
    """
    pairs: list[tuple[str, object, object]] = [
        ("certificate id", printed.certificate_id, expected.certificate_id),
        ("chain id", printed.chain_id, expected.chain_id),
        ("lock", printed.lock_address.lower(), expected.lock_address.lower()),
        ("key transaction", printed.key_tx_hash.lower(), expected.key_tx_hash.lower()),
        ("attestation UID", _lower(printed.attestation_uid), _lower(row.attestation_uid)),
    ]
    wrong = [f"{name}: printed {got}, expected {want}" for name, got, want in pairs if got != want]
    for name, got, want in (
        ("learner name", printed.learner_name, expected.learner_name),
        ("bootcamp", printed.bootcamp_title, expected.bootcamp_title),
    ):
        if not same_text(got, want):
            wrong.append(f"{name}: printed {got!r}, expected {want!r}")
    return wrong


def attestation_mismatches(
    attestation: OnchainAttestation,
    expected: CompletionAttestation,
    record: CertificateRecord,
    printed: PrintedFields | None = None,
) -> list[str]:
    """How the on-chain attestation differs from the one the record makes, field by field.

    With ``printed`` (a PDF in hand), the attested bootcamp title is also compared
    with the one printed on it.
    """
    data = attestation.completion()
    wrong = [
        f"{name}: attested {got}, expected {want}"
        for name, got, want in _attested_pairs(data, expected)
        if got != want
    ]
    if attestation.recipient.lower() != expected.user_address.lower():
        wrong.append(
            f"recipient: attested {attestation.recipient}, expected {expected.user_address}"
        )
    if not same_completion(data.completion_date, record):
        wrong.append(
            f"completionDate: attested {data.completion_date}, expected"
            f" {expected.completion_date} ({record.completed_at})"
        )
    if printed is not None and not same_text(printed.bootcamp_title, data.bootcamp_title):
        wrong.append(
            f"bootcampTitle: attested {data.bootcamp_title!r}, printed {printed.bootcamp_title!r}"
        )
    return wrong


def _attested_pairs(
    data: CompletionAttestation, expected: CompletionAttestation
) -> list[tuple[str, object, object]]:
    pairs: list[tuple[str, object, object]] = []
    fields = dataclasses.fields(CompletionAttestation)
    for item, name in zip(fields, SCHEMA_NAMES, strict=True):
        if item.name in _SPECIAL_FIELDS:
            continue
        got, want = getattr(data, item.name), getattr(expected, item.name)
        if item.name in _HEX_FIELDS:
            got, want = str(got).lower(), str(want).lower()
        pairs.append((name, got, want))
    return pairs


def same_completion(attested: int, record: CertificateRecord) -> bool:
    """The completion time as attested: whole seconds (rounded either way), or the date printed."""
    if record.completed_at is not None and abs(attested - record.completed_at.timestamp()) < 1:
        return True
    return dt.datetime.fromtimestamp(attested, dt.UTC).date() == record.completion_day


def same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def same_text(printed: str, expected: str) -> bool:
    """Equal as printed: normalised whitespace, and a long value may end in an ellipsis."""
    got, want = _normal(printed), _normal(expected)
    if got.endswith(ELLIPSIS):
        return want.startswith(got[: -len(ELLIPSIS)].rstrip())
    return got == want


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def revocation_detail(revocation: Revocation | None) -> str:
    """What ``certflow verify`` says of the certificate's revocation."""
    if revocation is None:
        return "no revocation recorded"
    day = revocation.revoked_at.date().isoformat()
    return f"revoked on {day}: {revocation.reason}"

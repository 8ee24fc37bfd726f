"""The facts a certificate version printed, against what the record says today.

One check for the verification page and ``certflow verify``: both vouch for the
values stored when the version was rendered (``db.printed``), never for the
profile as it is now, and both say when the profile has changed since (the
reprint path: ``certflow certificate rerender``, or the learner asks the issuer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from certflow.errors import RenderError
from certflow.settings import Settings
from db import printed
from db.certificates import CertificateRow
from db.printed import PrintedRow
from db.records import CertificateRecord
from issuance.certificates.records import certificate_data, printed_row

#: Said on the page and by ``certflow verify`` when the profile changed after printing.
CHANGED = "Some information has changed since this certificate was issued."
REPRINT = (
    "The certificate shows the facts as they were when it was issued. A new version"
    " can be issued with today's details: the learner asks the issuer, who runs"
    " certflow certificate rerender."
)
NOT_RECORDED = (
    "This version was issued before certflow stored what each certificate printed:"
    " the details below are the record's today."
)


@dataclass(frozen=True)
class PrintedFacts:
    """``record`` with the printed values in place of today's, and what differs."""

    record: CertificateRecord
    #: False for a version rendered before the printed facts were stored.
    recorded: bool
    #: Labels of the printed facts that the record says differently today.
    changed: tuple[str, ...]
    #: The language the version was printed in (BCP 47; "en" before templates).
    locale: str = "en"

    def note(self) -> str:
        """What ``certflow verify`` says of the printed facts against today's record."""
        if not self.recorded:
            return (
                "not recorded for this version (issued before printed facts were stored):"
                " checked against the record today"
            )
        if self.changed:
            return f"{CHANGED} Changed: {', '.join(self.changed)}. {REPRINT}"
        return "name, bootcamp, cohort, completion date, XP and wallet unchanged"


def printed_facts(
    conn: sa.Connection, settings: Settings, row: CertificateRow, today: CertificateRecord
) -> PrintedFacts:
    """What version ``row`` printed, and which of those facts changed since."""
    stored = printed.by_certificate(conn, row.id)
    if stored is None:
        return PrintedFacts(today, False, ())
    changed = changed_since(settings, row, today, stored)
    return PrintedFacts(as_record(today, stored), True, changed, stored.locale)


def as_record(today: CertificateRecord, stored: PrintedRow) -> CertificateRecord:
    """The record as the version printed it (the name, titles, date, XP, wallet, key)."""
    completed = today.completed_at
    if completed is None or completed.astimezone(dt.UTC).date() != stored.completion_date:
        completed = dt.datetime.combine(stored.completion_date, dt.time(), dt.UTC)
    return dataclasses.replace(
        today,
        display_name=stored.learner_name,
        username=None,
        bootcamp_title=stored.bootcamp_title,
        cohort_name=stored.cohort_name,
        completed_at=completed,
        total_xp=stored.total_xp,
        wallet_address=stored.wallet_address,
        lock_address=stored.lock_address,
        certificate_tx_hash=stored.key_tx_hash,
    )


def changed_since(
    settings: Settings, row: CertificateRow, today: CertificateRecord, stored: PrintedRow
) -> tuple[str, ...]:
    """The printed facts that a render today would print differently."""
    try:
        now = printed_row(today, certificate_data(settings, today, row.id))
    except RenderError:
        return ("learner name",)  # today's record cannot be printed at all
    pairs = (
        ("learner name", stored.learner_name, now.learner_name),
        ("bootcamp", stored.bootcamp_title, now.bootcamp_title),
        ("cohort", stored.cohort_name, now.cohort_name),
        ("completion date", stored.completion_date, now.completion_date),
        ("XP", stored.total_xp, now.total_xp),
        ("wallet", (stored.wallet_address or "").lower(), (now.wallet_address or "").lower()),
    )
    return tuple(label for label, then, later in pairs if then != later)

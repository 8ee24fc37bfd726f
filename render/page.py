"""What one certificate prints, cleaned, and the page both layouts draw it on."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4, landscape

from render import i18n
from render.template import DEFAULT, Template

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CENTRE = PAGE_WIDTH / 2

#: The line of an off-chain attestation's anchoring transaction (``render.extract`` reads it).
ANCHOR_LABEL = "EAS off-chain attestation, UID anchored in transaction:"


@dataclass(frozen=True)
class Page:
    """Cleaned strings, ready to print."""

    certificate_id: str
    learner_name: str
    bootcamp_title: str
    cohort_name: str
    completion_date: str
    creation_stamp: str
    total_xp: str
    chain_id: str
    lock_address: str
    key_tx_hash: str
    attestation_uid: str | None
    verify_url: str
    anchor_tx_hash: str | None = None
    #: The shipped language that prints the labels (render.i18n.shipped_locale).
    locale: str = "en"
    template: Template = DEFAULT
    score: str | None = None
    email: str | None = None
    custom_fields: tuple[tuple[str, str], ...] = field(default=())

    def label(self, msgid: str) -> str:
        return i18n.label(self.locale, msgid)

    def facts(self) -> tuple[tuple[str, str], ...]:
        """The labelled facts the template prints, in reading order (at most eight)."""
        shown = self.template.fields
        facts: list[tuple[str, str]] = []
        if "cohort" in shown:
            facts.append((self.label("COHORT"), self.cohort_name))
        facts.append((self.label("COMPLETED ON"), self.completion_date))
        if "total_xp" in shown:
            facts.append((self.label("TOTAL XP EARNED"), self.total_xp))
        if "score" in shown and self.score:
            facts.append((self.label("SCORE"), self.score))
        if "email" in shown and self.email:
            facts.append((self.label("EMAIL"), self.email))
        facts.extend(self.custom_fields)
        return tuple(facts[:8])

    @property
    def rtl(self) -> bool:
        return i18n.text_direction(self.locale) == "rtl"

    def footer(self) -> list[str]:
        """Identifiers, in English in every language: they are typed back into tools
        (and read back by ``render.extract``), like the hashes they name."""
        uid = f"Attestation UID: {self.attestation_uid}" if self.attestation_uid else None
        lines = [
            f"Certificate ID: {self.certificate_id}   Chain ID: {self.chain_id}"
            f"   Lock: {self.lock_address}",
            f"Key transaction: {self.key_tx_hash}   {uid or 'Attestation pending'}",
        ]
        if self.anchor_tx_hash:
            lines.append(f"{ANCHOR_LABEL} {self.anchor_tx_hash}")
        return lines

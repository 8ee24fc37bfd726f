"""The certificate a learner frames: one landscape A4 page drawn with ReportLab.

``render_pdf`` is a pure function of ``CertificateData``: the same data gives
the same bytes (invariant mode, a creation date taken from the completion
date), so a re-run of the render actor stores an identical object.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from certflow.errors import RenderError
from render import i18n, layout, speed
from render.fonts import Face, load
from render.parts import faces
from render.template import DEFAULT, Template
from render.text import clean, printable

speed.install()

#: Printed instead of an attestation UID while the attestation is not on chain.
ATTESTATION_PENDING = "Attestation pending"

# A QR code gets hard to scan from paper past a few hundred characters.
_MAX_URL = 512


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate."""

    certificate_id: str
    learner_name: str
    bootcamp_title: str
    cohort_name: str
    completion_date: dt.date
    total_xp: int
    chain_id: int
    lock_address: str
    key_tx_hash: str
    attestation_uid: str | None  # None: the attestation is still pending
    verify_url: str
    #: Off-chain attestations: the multiTimestamp transaction that anchored the UID.
    anchor_tx_hash: str | None = None
    #: BCP 47 tag of the certificate's language (labels, dates, numbers, direction).
    locale: str = "en"
    #: The issuer's look; DEFAULT is certflow's own.
    template: Template = DEFAULT
    #: Printed only when the template lists the field and a value is given.
    score: Score | None = None
    email: str | None = None
    #: A template's custom fields, resolved to (label, value), printed in order.
    custom_fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Score:
    """What the app reported: ``points`` out of ``out_of`` (None: a bare score);
    a percentage is ``Score(points, Decimal(100))``."""

    points: Decimal
    out_of: Decimal | None = None


def render_pdf(data: CertificateData) -> bytes:
    """Render ``data`` to PDF bytes; raise RenderError for input that cannot be printed."""
    page = printed_page(data)
    load(Face.MONO.value[0])  # registered before the canvas names it
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=landscape(A4),
        invariant=1,
        pageCompression=1,
        # The document's language (/Lang) for screen readers: the tag the issuer set.
        lang=_document_lang(data.locale),
        # The page's preamble selects this font; ReportLab's default, Helvetica, would
        # be listed unembedded. The footer's monospaced face is on every page.
        initialFontName=Face.MONO.value[0].name,
    )
    _set_metadata(canvas, page)
    layout.draw_page(canvas, page)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def printed_page(data: CertificateData) -> layout.Page:
    """Validate and clean every field into the strings the layout prints (what the
    certificate says; stored with the version so the site vouches for exactly that)."""
    if data.total_xp < 0:
        raise RenderError(f"total XP cannot be negative: {data.total_xp}")
    url = clean(data.verify_url, "verify URL", max_chars=None)
    if len(url) > _MAX_URL or any(c.isspace() for c in url):
        raise RenderError(f"verify URL is not a short URL without spaces: {url[:80]!r}")
    attestation = data.attestation_uid and clean(data.attestation_uid, "attestation UID")
    locale = i18n.shipped_locale(data.locale)
    family = faces(data.template, locale)
    bold, regular = family.bold, family.regular
    return layout.Page(
        certificate_id=clean(data.certificate_id, "certificate id"),
        learner_name=_field(data.learner_name, bold, "learner name"),
        bootcamp_title=_field(data.bootcamp_title, bold, "bootcamp title"),
        cohort_name=_field(data.cohort_name, regular, "cohort name"),
        completion_date=i18n.format_date(data.completion_date, data.locale),
        creation_stamp=_stamp(data.completion_date),
        total_xp=i18n.label(locale, "{xp} XP").format(
            xp=i18n.format_number(data.total_xp, data.locale)
        ),
        chain_id=str(data.chain_id),
        lock_address=clean(data.lock_address, "lock address"),
        key_tx_hash=clean(data.key_tx_hash, "key transaction hash"),
        attestation_uid=attestation or None,
        verify_url=url,
        anchor_tx_hash=data.anchor_tx_hash and clean(data.anchor_tx_hash, "anchor transaction"),
        locale=locale,
        template=data.template,
        score=format_score(data.score, data.locale) if data.score else None,
        email=data.email and _field(data.email, regular, "email"),
        custom_fields=tuple(
            (_field(name, regular, "custom field"), _field(value, regular, "custom field"))
            for name, value in data.custom_fields
        ),
    )


def format_score(score: Score, locale: str) -> str:
    """``92%`` for a score out of 100, ``45 / 50`` out of something else, else the points."""
    if score.points < 0 or (score.out_of is not None and score.out_of <= 0):
        raise RenderError(f"a score cannot be negative or out of nothing: {score}")
    if score.out_of == 100:
        return i18n.format_percent_of(score.points, locale)
    points = i18n.format_number(score.points, locale)
    if score.out_of is None:
        return points
    return f"{points} / {i18n.format_number(score.out_of, locale)}"


def name_problem(name: str) -> str | None:
    """Why this learner name cannot be printed on a certificate, in words the learner can
    act on; None when it can. Checked before any chain work (a grant), not at render."""
    try:
        _field(name, layout.NAME_FACE, "learner name")
        _field(name, Face.MODERN_BOLD, "learner name")
    except RenderError as exc:
        detail = exc.user_message.removeprefix("learner name ")
        return (
            f"Your name cannot be printed on a certificate ({detail})"
            " - change your display name, then claim again."
        )
    return None


def _field(value: str, face: Face, field: str) -> str:
    return printable(clean(value, field), face, field)


def format_date(day: dt.date, locale: str = "en") -> str:
    """``12 March 2025`` in English: spelled out so no reader confuses day and month;
    other languages as Babel's long date format for the locale."""
    return i18n.format_date(day, locale)


def _stamp(day: dt.date) -> str:
    # strftime("%Y") does not zero-pad years below 1000 on every platform.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _document_lang(tag: str) -> str:
    """The tag as given when it is a valid BCP 47 tag (``pt-BR``), else the language
    that prints the certificate."""
    return i18n.validate_locale(tag) if i18n.is_valid_locale(tag) else i18n.shipped_locale(tag)


def _set_metadata(canvas: Canvas, page: layout.Page) -> None:
    """Document info: a fixed creation date and the ids, for tools that read metadata."""
    stamp = f"D:{page.creation_stamp}000000+00'00'"
    canvas.setDateFormatter(lambda *_: stamp)
    canvas.setTitle(f"{page.label('Certificate of Completion')} - {page.learner_name}")
    canvas.setAuthor("certflow")
    canvas.setCreator("certflow")
    canvas.setSubject(page.bootcamp_title)
    uid = page.attestation_uid or "pending"
    canvas.setKeywords(
        f"certificate_id={page.certificate_id}; chain_id={page.chain_id}; attestation_uid={uid}"
    )

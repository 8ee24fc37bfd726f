"""Every URL the site shows: its own public URLs, explorers, and LinkedIn's add-to-profile form."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from certflow.settings import Settings
from db.records import CertificateRecord
from issuance.certificates.records import verify_url
from issuance.verification.page_checks import Evidence

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def site_url(settings: Settings) -> str:
    """The site's root: VERIFY_BASE_URL without its ``/verify`` (where the web app serves it)."""
    base = settings.verify_base_url.rstrip("/")
    return base.removesuffix("/verify")


def download_url(settings: Settings, cert_id: UUID) -> str:
    """The download link that never expires (it redirects to a fresh presigned URL)."""
    return f"{site_url(settings)}/certificates/{cert_id}.pdf"


def certificate_urls(settings: Settings, cert_id: UUID) -> dict[str, str]:
    return {"verify": verify_url(settings, cert_id), "download": download_url(settings, cert_id)}


def evidence_url(settings: Settings, evidence: Evidence) -> str | None:
    """Where a piece of evidence can be seen, from the configured explorer templates."""
    if evidence.url:
        return evidence.url
    if evidence.kind == "certificate":
        return f"/verify/{evidence.value}"
    template = {
        "tx": settings.explorer_tx_url,
        "address": settings.explorer_address_url,
        "attestation": settings.eas_explorer_url,
    }.get(evidence.kind or "")
    if not template:
        return None
    return template.format(tx=evidence.value, address=evidence.value, uid=evidence.value)


def address_url(settings: Settings, address: str) -> str | None:
    return evidence_url(settings, Evidence("", address, "address"))


def certificate_name(record: CertificateRecord) -> str:
    return f"{record.bootcamp_title} — {record.cohort_name}"


def linkedin_url(settings: Settings, record: CertificateRecord, cert_id: UUID) -> str | None:
    """LinkedIn's add-certification form, filled in; None before there is a completion date."""
    day = record.completion_day
    if day is None:
        return None
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate_name(record),
        "organizationName": settings.issuer_name,
        "issueYear": str(day.year),
        "issueMonth": str(day.month),
        "certUrl": verify_url(settings, cert_id),
        "certId": str(cert_id),
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"

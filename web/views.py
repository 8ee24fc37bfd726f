"""A certificate page as plain data: the template renders it and the JSON API returns it.

One mapping for both, so the page and ``/api/certificates/{id}`` cannot disagree.
"""

from __future__ import annotations

from typing import Any

from certflow.settings import Settings
from issuance.verification.certificate_page import CertificatePage
from issuance.verification.page_checks import PASS, Step
from issuance.verification.printed_facts import CHANGED, NOT_RECORDED, REPRINT
from render.i18n import text_direction
from web import links


def page_view(settings: Settings, page: CertificatePage) -> dict[str, Any]:
    row, record = page.certificate, page.record
    issuer = str(settings.lock_manager_address)
    return {
        "id": str(row.id),
        "verdict": page.verdict,
        "verified": page.verdict == "verified",
        "chain_reachable": page.chain_reachable,
        "certificate": {
            "learner": record.learner_name or record.display_name,
            "bootcamp": record.bootcamp_title,
            "cohort": record.cohort_name,
            "completion_date": record.completion_day.isoformat() if record.completion_day else None,
            "total_xp": record.total_xp,
            "issuer": {
                "name": settings.issuer_name,
                "address": issuer,
                "url": links.address_url(settings, issuer),
            },
            "network": {"chain_id": settings.chain_id},
            "version": row.version,
            "current": row.is_current,
            "issued_at": row.rendered_at.isoformat(),
        },
        "printed": printed_view(page),
        "checks": [step_view(settings, step) for step in page.steps],
        "revocation": None
        if page.revocation is None
        else {
            "revoked_at": page.revocation.revoked_at.isoformat(),
            "reason": page.revocation.reason,
            "tx_hash": page.revocation.tx_hash,
        },
        "links": {
            **links.certificate_urls(settings, row.id),
            "current": None
            if page.current is None or page.current.id == row.id
            else links.certificate_urls(settings, page.current.id)["verify"],
            "credential": None if page.credential is None else f"/credentials/{row.id}.json",
            # Never invite anyone to show off a certificate that does not hold.
            "linkedin": None
            if page.verdict in ("revoked", "failed")
            else links.linkedin_url(settings, record, row.id),
        },
    }


def printed_view(page: CertificatePage) -> dict[str, Any]:
    """Whether the facts shown are the ones printed, which changed since issue, and the
    language (and its direction) they were printed in."""
    facts = page.facts
    recorded = facts is not None and facts.recorded
    changed = list(facts.changed) if facts is not None else []
    locale = facts.locale if facts is not None else "en"
    return {
        "recorded": recorded,
        "changed": changed,
        "notice": CHANGED if changed else (None if recorded else NOT_RECORDED),
        "reprint": REPRINT if changed else None,
        "locale": locale,
        "dir": text_direction(locale),
    }


def step_view(settings: Settings, step: Step) -> dict[str, Any]:
    return {
        "key": step.key,
        "title": step.title,
        "status": step.status,
        "passed": step.status == PASS,
        "summary": step.summary,
        "evidence": [
            {
                "label": item.label,
                "value": item.value,
                "kind": item.kind,
                "url": links.evidence_url(settings, item),
            }
            for item in step.evidence
        ],
    }

"""The JSON API: a certificate's checks for machines, and a learner's certificates for the app."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.exceptions import HTTPException

from web import links
from web.pages import parse_id
from web.site import site_of
from web.views import page_view

router = APIRouter(prefix="/api")


@router.get("/certificates/{cert_id}")
def certificate(request: Request, cert_id: str) -> dict[str, Any]:
    """The same checks as the page, as JSON."""
    site = site_of(request)
    page = site.pages.page(parse_id(cert_id))
    if page is None:
        raise HTTPException(404, "no such certificate")
    return page_view(site.settings, page)


@router.get("/learners/{user_profile_id}/certificates")
def learner_certificates(
    request: Request,
    user_profile_id: str,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Each current certificate of a learner with its verify and download links (seed 002).

    For the app's backend: it needs ``Authorization: Bearer <WEB_API_TOKEN>``.
    Without a configured token the endpoint does not exist.
    """
    site = site_of(request)
    token = site.settings.web_api_token
    if token is None:
        raise HTTPException(404, "not found")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise HTTPException(
            401, "a valid API token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        learner = parse_id(user_profile_id)
    except HTTPException:
        raise HTTPException(404, "no such learner") from None
    found = site.pages.learner_certificates(learner)
    return {
        "user_profile_id": str(learner),
        "certificates": [
            {
                "id": str(row.id),
                "enrollment_id": str(row.enrollment_id),
                "version": row.version,
                "bootcamp": record.bootcamp_title,
                "cohort": record.cohort_name,
                "completion_date": record.completion_day.isoformat()
                if record.completion_day
                else None,
                "issued_at": row.rendered_at.isoformat(),
                "revoked": revocation is not None,
                **links.certificate_urls(site.settings, row.id),
            }
            for row, record, revocation in found
        ],
    }

"""A learner's certificates as the API lists them (for the learner and for the app)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from fastapi import Request

from db import api as db_api
from web import links
from web.api_v1.context import api_of


def listing(request: Request, conn: sa.Connection, user_profile_id: UUID) -> dict[str, Any]:
    settings = api_of(request).settings
    return {
        "userProfileId": str(user_profile_id),
        "certificates": [
            {
                "id": str(row.id),
                "enrollmentId": str(row.enrollment_id),
                "cohortId": row.cohort_id,
                "cohort": row.cohort_name,
                "bootcamp": row.bootcamp_name,
                "version": row.version,
                "completionDate": row.completion_date.isoformat() if row.completion_date else None,
                "issuedAt": row.rendered_at.isoformat(),
                "state": _state(row),
                **links.certificate_urls(settings, row.id),
            }
            for row in db_api.learner_certificates(conn, user_profile_id)
        ],
    }


def _state(row: Any) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "issued" if row.attestation_uid else "attestation_pending"

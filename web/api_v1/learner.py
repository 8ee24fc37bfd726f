"""A learner's endpoints (the app's JWT): the source's claim, completion status and
attestation retry, and the learner's certificates and achievements."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request

from db import achievements
from db import api as db_api
from web.api_v1.auth import CertificateLearner, Learner, PersonCaller
from web.api_v1.certificates import listing
from web.api_v1.context import api_of
from web.api_v1.errors import ApiError, not_found
from web.api_v1.models import CohortBody

router = APIRouter(tags=["learner"])

CohortId = Annotated[str, Path(min_length=1, max_length=200)]
#: A claim's refusals, by the code the SQL function returns (the source's statuses).
CLAIM_STATUS = {
    "disabled": 403,
    "not_found": 404,
    "not_completed": 403,
    "not_configured": 400,
    "in_progress": 409,
    "no_key": 409,
    "attestation_pending": 409,
}


def _enrollment(caller: PersonCaller, cohort_id: str) -> UUID:
    found = db_api.own_enrollment(caller.conn, cohort_id)
    if found is None:
        raise not_found("Enrollment not found")
    return found


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    """The SQL function's JSON, or its refusal as an error with the source's status."""
    if result.get("success") is False:
        code = str(result.get("code"))
        raise ApiError(CLAIM_STATUS.get(code, 400), code, str(result.get("error")))
    return result


@router.post("/certificates/claim")
def claim(body: CohortBody, caller: CertificateLearner) -> dict[str, Any]:
    """Claim the certificate of the learner's completed enrollment in the cohort."""
    result = db_api.own_claim(caller.conn, body.cohortId)
    if result is None:
        raise not_found("Enrollment not found")
    return _answer(result)


@router.get("/cohorts/{cohort_id}/completion-status")
def completion_status(cohort_id: CohortId, caller: CertificateLearner) -> dict[str, Any]:
    """The source's completion-status JSON for the learner's enrollment in the cohort."""
    found = db_api.own_status(caller.conn, cohort_id)
    if found is None:
        raise not_found("Enrollment not found")
    return found


@router.post("/certificates/retry-attestation")
def retry_attestation(
    request: Request, body: CohortBody, caller: CertificateLearner
) -> dict[str, Any]:
    """Ask the chain workers to retry a failed attestation (rate-limited per learner)."""
    enrollment_id = _enrollment(caller, body.cohortId)
    api = api_of(request)
    api.limits.hit(api.limits.retries, "retry", caller.identity.community_id, str(enrollment_id))
    return _answer(db_api.retry_attestation(caller.conn, enrollment_id))


@router.get("/me/certificates")
def my_certificates(request: Request, caller: Learner) -> dict[str, Any]:
    """The learner's current certificates: verify URL, a download link that does not expire,
    and state."""
    if caller.user_profile_id is None:
        raise not_found("No learner with this token")
    return listing(request, caller.conn, caller.user_profile_id)


@router.get("/me/achievements")
def my_achievements(caller: Learner) -> dict[str, Any]:
    """The learner's dashboard: achievements with progress, points, streaks, what is next."""
    if caller.user_profile_id is None:
        raise not_found("No learner with this token")
    return achievements.dashboard(caller.conn, caller.user_profile_id)

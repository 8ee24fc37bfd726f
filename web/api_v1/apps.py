"""An app's endpoints (API key of its community): enrollments, milestones, activities,
a learner's certificates. Another community's id answers exactly as an unknown one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request

from db import api as db_api
from db import templates
from web.api_v1.auth import App
from web.api_v1.certificates import listing
from web.api_v1.errors import ApiError, not_found
from web.api_v1.models import (
    ActivityBody,
    CertificateFactsBody,
    LocaleBody,
    MilestoneCompletionBody,
)

router = APIRouter(tags=["app"])

MilestoneId = Annotated[str, Path(min_length=1, max_length=200)]


def _learner(caller: App, user_profile_id: UUID) -> UUID:
    if not db_api.learner_exists(caller.conn, user_profile_id):
        raise not_found("Learner not found")
    return user_profile_id


@router.get("/enrollments/{enrollment_id}")
def enrollment(enrollment_id: UUID, caller: App) -> dict[str, Any]:
    """The source's completion-status JSON of one enrollment of the community."""
    found = db_api.status(caller.conn, enrollment_id)
    if found is None:
        raise not_found("Enrollment not found")
    return found


@router.post("/learners/{user_profile_id}/milestones/{milestone_id}/complete")
def complete_milestone(
    user_profile_id: UUID,
    milestone_id: MilestoneId,
    caller: App,
    body: MilestoneCompletionBody | None = None,
) -> dict[str, Any]:
    """Mark the learner's milestone completed (a manual one waits for its instructor)."""
    learner = _learner(caller, user_profile_id)
    if not db_api.milestone_in_community(caller.conn, milestone_id):
        raise not_found("Milestone not found")
    completed_at = body.completedAt if body else None
    status = db_api.complete_milestone(caller.conn, learner, milestone_id, completed_at)
    return {"userProfileId": str(learner), "milestoneId": milestone_id, "status": status}


@router.post("/learners/{user_profile_id}/activities", status_code=201)
def record_activity(user_profile_id: UUID, body: ActivityBody, caller: App) -> dict[str, Any]:
    """Record what the learner did (streaks and achievements follow from it)."""
    learner = _learner(caller, user_profile_id)
    occurred_at = body.occurredAt or datetime.now(UTC)
    try:
        activity = db_api.record_activity(caller.conn, learner, body.kind, occurred_at, body.data)
    except db_api.NotFound:
        raise not_found("Learner not found") from None
    return {"id": str(activity), "userProfileId": str(learner), "kind": body.kind}


@router.get("/learners/{user_profile_id}/certificates")
def learner_certificates(request: Request, user_profile_id: UUID, caller: App) -> dict[str, Any]:
    """The learner's current certificates, as the learner sees them."""
    return listing(request, caller.conn, _learner(caller, user_profile_id))


@router.put("/learners/{user_profile_id}/certificate-locale")
def learner_locale(user_profile_id: UUID, body: LocaleBody, caller: App) -> dict[str, Any]:
    """The learner's certificate language (BCP 47), over the bootcamp's; null removes it.
    Printed from the learner's next certificate version on."""
    if not templates.set_learner_locale(caller.conn, user_profile_id, body.locale):
        raise not_found("Learner not found")
    return {"userProfileId": str(user_profile_id), "locale": body.locale}


@router.put("/enrollments/{enrollment_id}/certificate-facts")
def certificate_facts(
    enrollment_id: UUID, body: CertificateFactsBody, caller: App
) -> dict[str, Any]:
    """The score and custom field values the enrollment's certificate may print (when its
    template lists them), from its next version on."""
    if body.outOf is not None and body.score is None:
        raise ApiError(400, "bad_request", "outOf needs a score")
    found = templates.set_enrollment_facts(
        caller.conn, enrollment_id, body.score, body.outOf, dict(body.fields)
    )
    if not found:
        raise not_found("Enrollment not found")
    return {
        "enrollmentId": str(enrollment_id),
        "score": None if body.score is None else str(body.score),
        "outOf": None if body.outOf is None else str(body.outOf),
        "fields": dict(body.fields),
    }

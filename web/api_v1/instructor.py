"""An instructor's endpoint (the app's JWT): validate a submitted manual milestone of a
cohort they teach (0014's row-level policy decides which)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from db import api as db_api
from web.api_v1.auth import Instructor
from web.api_v1.errors import not_found
from web.api_v1.models import ValidationBody

router = APIRouter(tags=["instructor"])


@router.post("/milestones/{milestone_id}/validations")
def validate(
    milestone_id: Annotated[str, Path(min_length=1, max_length=200)],
    body: ValidationBody,
    caller: Instructor,
) -> dict[str, Any]:
    """Approve (completed) or send back (in progress) the learner's submission."""
    if caller.user_profile_id is None:
        raise not_found("Milestone not awaiting validation in your cohorts")
    try:
        result = db_api.validate_milestone(
            caller.conn, body.userProfileId, milestone_id, body.approved, body.note
        )
    except db_api.NotFound:
        raise not_found("Milestone not awaiting validation in your cohorts") from None
    return {
        "milestoneId": milestone_id,
        "userProfileId": str(body.userProfileId),
        **result,
        "validated_by": str(result["validated_by"]),
    }

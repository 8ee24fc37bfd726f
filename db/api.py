"""What one API request does in its transaction, as the role its caller is.

The API's login (a member of certflow_api) first takes the app role of the
caller's community; a learner's or instructor's request then names the person
the token proved and takes their role. From there every statement runs under
that role's grants and row-level security, and the tenant functions read the
community from ``current_community_id()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from certflow.errors import Duplicate, Refused
from db.engine import translate
from db.queries import query

Person = Literal["learner", "instructor"]

#: SQLSTATEs of a request the rules refuse: check, not-null, bad value, too long, bad text.
_REFUSED = frozenset({"23514", "23502", "22023", "22001", "22P02", "22003", "22007", "22008"})
_DUPLICATE = "23505"
_NOT_FOUND = frozenset({"P0002", "23503"})


class NotFound(Exception):
    """The row does not exist for this caller (control flow, not failure)."""


@contextmanager
def refusals() -> Iterator[None]:
    """Database refusals as our errors, with the server's own first line as the message."""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        diag = getattr(exc.orig, "diag", None)
        message = getattr(diag, "message_primary", None) or str(exc.orig).splitlines()[0]
        if state == _DUPLICATE:
            raise Duplicate(message) from exc
        if state in _REFUSED:
            raise Refused(message) from exc
        if state in _NOT_FOUND:
            raise NotFound(message) from exc
        raise translate(exc) from exc


def certificates_enabled(conn: sa.Connection) -> bool:
    return bool(conn.execute(query("api_certificates_enabled")).scalar_one())


def act_as_app(conn: sa.Connection, community_id: str) -> None:
    act_as(conn, community_id, "app")


def act_as(conn: sa.Connection, community_id: str, role: Literal["app"] | Person) -> None:
    conn.execute(query("api_act_as"), {"community_id": community_id, "role": f"certflow_{role}"})


@dataclass(frozen=True)
class Became:
    """The profile a token named (None: no such learner in the community; the person's
    role is taken anyway, with no one named, so every lookup finds nothing), and the
    certificate feature flag."""

    user_profile_id: UUID | None
    certificates_enabled: bool


def become(conn: sa.Connection, community_id: str, subject: str, person: Person) -> Became:
    """As the app: the profile the token's subject names, whose role the rest runs as."""
    act_as_app(conn, community_id)
    params = {"community_id": community_id, "subject": subject, "role": f"certflow_{person}"}
    row = conn.execute(query("api_become_person"), params).first()
    if row is not None:
        return Became(UUID(str(row.id)), bool(row.certificates_enabled))
    enabled = certificates_enabled(conn)
    act_as(conn, community_id, person)
    return Became(None, enabled)


def own_enrollment(conn: sa.Connection, cohort_id: str) -> UUID | None:
    value = conn.execute(query("api_own_enrollment"), {"cohort_id": cohort_id}).scalar()
    return None if value is None else UUID(str(value))


def own_claim(conn: sa.Connection, cohort_id: str) -> dict[str, Any] | None:
    """Claim the caller's enrollment in the cohort; None when there is none."""
    value = conn.execute(query("api_own_claim"), {"cohort_id": cohort_id}).scalar()
    return None if value is None else dict(value)


def own_status(conn: sa.Connection, cohort_id: str) -> dict[str, Any] | None:
    """The caller's completion status in the cohort; None when not enrolled there."""
    value = conn.execute(query("api_own_status"), {"cohort_id": cohort_id}).scalar()
    return None if value is None else dict(value)


def status(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any] | None:
    value = conn.execute(query("api_enrollment_status"), {"enrollment_id": enrollment_id}).scalar()
    return None if value is None else dict(value)


def retry_attestation(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any]:
    params = {"enrollment_id": enrollment_id}
    return dict(conn.execute(query("api_retry_attestation"), params).scalar_one())


def learner_exists(conn: sa.Connection, user_profile_id: UUID) -> bool:
    params = {"user_profile_id": user_profile_id}
    return bool(conn.execute(query("api_learner_exists"), params).scalar_one())


def milestone_in_community(conn: sa.Connection, milestone_id: str) -> bool:
    params = {"milestone_id": milestone_id}
    return bool(conn.execute(query("api_milestone_in_community"), params).scalar())


def complete_milestone(
    conn: sa.Connection, user_profile_id: UUID, milestone_id: str, completed_at: datetime | None
) -> str:
    """The milestone's status after the app's completion (a manual one waits for validation)."""
    params = {
        "user_profile_id": user_profile_id,
        "milestone_id": milestone_id,
        "completed_at": completed_at,
    }
    with refusals(), conn.begin_nested():
        return str(conn.execute(query("api_complete_milestone"), params).scalar_one())


def learner_certificates(conn: sa.Connection, user_profile_id: UUID) -> list[sa.Row[Any]]:
    params = {"user_profile_id": user_profile_id}
    return list(conn.execute(query("api_learner_certificates"), params))


def achievements(conn: sa.Connection, *, include_global: bool) -> list[dict[str, Any]]:
    rows = conn.execute(query("api_achievements_list"), {"include_global": include_global})
    return [dict(row._mapping) for row in rows]


def save_achievement(
    conn: sa.Connection, achievement_id: UUID | None, fields: dict[str, Any]
) -> dict[str, Any] | None:
    """Create (no id) or change one of the community's achievements; None: not the caller's."""
    params = {"id": achievement_id, "fields": json.dumps(fields)}
    with refusals(), conn.begin_nested():
        value = conn.execute(query("api_save_achievement"), params).scalar()
    return None if value is None else dict(value)


def record_activity(
    conn: sa.Connection,
    user_profile_id: UUID,
    kind: str,
    occurred_at: datetime,
    data: dict[str, Any],
) -> UUID:
    """record_activity() as the app; an unknown (or another community's) learner is NotFound."""
    params = {
        "user_profile_id": user_profile_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "data": json.dumps(data),
    }
    with refusals(), conn.begin_nested():
        return UUID(str(conn.execute(query("record_activity"), params).scalar_one()))


def validate_milestone(
    conn: sa.Connection, user_profile_id: UUID, milestone_id: str, approved: bool, note: str | None
) -> dict[str, Any]:
    """validate_milestone() as the instructor: NotFound when it is not awaiting validation in
    the instructor's cohorts (0014's policy decides)."""
    params = {
        "user_profile_id": user_profile_id,
        "milestone_id": milestone_id,
        "approved": approved,
        "note": note,
    }
    with refusals(), conn.begin_nested():
        return dict(conn.execute(query("validate_milestone"), params).scalar_one())

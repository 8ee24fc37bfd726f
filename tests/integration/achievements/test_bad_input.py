"""Bad input is refused at the door with a message that says what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
import sqlalchemy as sa

from certflow.errors import PermanentError, UnknownUser
from db import achievements
from tests.integration.achievements import support as s
from tests.integration.helpers import rows, scalar


def _insert(engine: sa.Engine, criteria: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO achievements (code, name, description, achievement_type, category,"
                " tier, criteria) VALUES ('bad_one', 'Bad', 'Bad', 'completion', 'General',"
                " 'bronze', CAST(:c AS jsonb))"
            ),
            {"c": json.dumps(criteria)},
        )


@pytest.mark.parametrize(
    ("criteria", "problem"),
    [
        ([1, 2], 'criteria must be a JSON object with a "type"'),
        ({"count": 3}, "unknown criteria type missing (known: active_days, activities,"),
        ({"type": "wods"}, 'unknown criteria type "wods" (known: active_days'),
        ({"type": "milestones_completed"}, 'milestones_completed criteria need "count"'),
        ({"type": "milestones_completed", "count": 0}, '"count" must be at least 1, got 0'),
        ({"type": "milestones_completed", "count": 2.5}, '"count" must be an integer, got 2.5'),
        ({"type": "streak", "days": "7"}, '"days" must be an integer, got "7"'),
        ({"type": "streak", "days": 7, "activity_kind": ""}, '"activity_kind" must be a non-empty'),
        (
            {"type": "streak", "days": 7, "kind": "login"},
            'streak criteria take no "kind" (they take: activity_kind, days)',
        ),
        ({"type": "fast_finish"}, 'fast_finish criteria need "within_days"'),
    ],
)
def test_criteria_that_do_not_fit_their_type_are_refused_at_insert(
    engine: sa.Engine, criteria: object, problem: str
) -> None:
    with pytest.raises(sa.exc.IntegrityError) as refused:
        _insert(engine, criteria)
    message = str(refused.value.orig).splitlines()[0]
    assert message.startswith(f'Invalid criteria for achievement "bad_one": {problem}'), message
    assert scalar(engine, "SELECT count(*) FROM achievements WHERE code = 'bad_one'") == 0


def test_changing_criteria_is_validated_too(engine: sa.Engine) -> None:
    with (
        pytest.raises(sa.exc.IntegrityError, match='"days" must be at least 1'),
        engine.begin() as c,
    ):
        c.execute(
            sa.text(
                "UPDATE achievements SET criteria = criteria || '{\"days\": -1}'"
                " WHERE code = 'streak_7'"
            )
        )


def test_an_activity_for_an_unknown_user_is_refused(engine: sa.Engine) -> None:
    ghost = UUID(int=42)
    with pytest.raises(sa.exc.IntegrityError) as refused:
        s.record(engine, ghost, "login", "2026-01-01T00:00:00Z")
    assert str(refused.value.orig).splitlines()[0] == (
        f"Unknown user {ghost}: record_activity needs an existing user profile"
    )
    with engine.begin() as conn, pytest.raises(UnknownUser) as error:
        achievements.record_activity(conn, ghost, "login", datetime.now(UTC))
    assert isinstance(error.value, PermanentError)
    assert scalar(engine, "SELECT count(*) FROM user_activities") == 0
    assert scalar(engine, "SELECT count(*) FROM event_outbox") == 0


@pytest.mark.parametrize("kind", ["", "  ", "any"])
def test_an_activity_needs_a_kind(engine: sa.Engine, kind: str) -> None:
    user = s.learner(engine)
    with pytest.raises(sa.exc.DBAPIError, match="Activity kind must be a non-empty name"):
        s.record(engine, user, kind, "2026-01-01T00:00:00Z")


def test_a_profile_with_an_unknown_time_zone_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="user_profiles_time_zone_known"):
        s.learner(engine, time_zone="Mars/Olympus_Mons")


def test_record_activity_writes_the_row_and_its_event_together(engine: sa.Engine) -> None:
    user = s.learner(engine, time_zone="Pacific/Tongatapu")
    with engine.begin() as conn:
        activity = achievements.record_activity(
            conn, user, "lesson", datetime(2026, 3, 1, 11, 30, tzinfo=UTC), {"lesson": "l1"}
        )
    [event] = rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'activity.recorded'")
    payload = event.payload
    assert payload == {
        "activity_id": str(activity),
        "user_profile_id": str(user),
        "kind": "lesson",
        "local_date": "2026-03-02",
    }

"""Every seeded achievement is awarded exactly when its criteria become true, once.

One test per criteria type walks every seeded achievement of that type: a fresh
learner is brought to one unit short of the target (no award), then to the
target (award, and one achievement.unlocked event), then the same event is
replayed and a new one arrives (still one award, one event).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from tests.integration.achievements import support as s
from tests.integration.helpers import rows, scalar

START = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


@dataclass
class Learner:
    """One learner being walked towards an achievement's target."""

    engine: sa.Engine
    criteria: dict[str, Any]
    user: UUID
    units: int = 0
    enrollment: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The API server's login, through which an instructor validates.
    api: sa.Engine | None = None


Step = Callable[[Learner, int], str]  # brings the learner to n units; returns the event kind


def _milestones(one: Learner, n: int) -> str:
    if "ids" not in one.extra:
        one.extra["ids"] = s.cohort(one.engine, f"c-{one.user}", milestones=100)
    s.complete(one.engine, one.user, one.extra["ids"][:n])
    return "milestone.completed"


def _xp(one: Learner, n: int) -> str:
    if "ids" not in one.extra:
        one.extra["ids"] = s.cohort(one.engine, f"c-{one.user}", milestones=1, xp=0)
        s.complete(one.engine, one.user, one.extra["ids"])
    with one.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cohort_milestones SET total_reward = :n WHERE id = :m"),
            {"n": n, "m": one.extra["ids"][0]},
        )
    return "milestone.completed"


def _manual(one: Learner, n: int) -> str:
    if "ids" not in one.extra:
        one.extra["ids"] = s.cohort(one.engine, f"c-{one.user}", milestones=10)
        one.extra["instructor"] = s.learner(one.engine, name="Instructor")
        with one.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE cohort_milestones SET validation_type = 'manual' WHERE id = ANY(:i)"
                ),
                {"i": one.extra["ids"]},
            )
            conn.execute(
                sa.text("INSERT INTO cohort_instructors VALUES (:c, :u)"),
                {"c": f"c-{one.user}", "u": one.extra["instructor"]},
            )
    for milestone in one.extra["ids"][one.units : n]:
        s.complete(one.engine, one.user, [milestone])  # submitted: pending_validation
        assert one.api is not None
        s.validate(one.api, one.extra["instructor"], one.user, milestone)
    return "milestone.completed"


def _cohorts(one: Learner, n: int) -> str:
    for i in range(one.units, n):
        ids = s.cohort(one.engine, f"c-{one.user}-{i}")
        one.enrollment = s.enroll(one.engine, one.user, f"c-{one.user}-{i}")
        s.complete(one.engine, one.user, ids)
        assert s.complete_enrollment(one.engine, one.enrollment)
    return "enrollment.completed"


def _certificates(one: Learner, n: int) -> str:
    for i in range(one.units, n):
        s.cohort(one.engine, f"c-{one.user}-{i}", bootcamp=f"b-{one.user}-{i}")
        one.enrollment = s.enroll(one.engine, one.user, f"c-{one.user}-{i}")
        with one.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE bootcamp_enrollments SET certificate_issued = true WHERE id = :e"),
                {"e": one.enrollment},
            )
    return "certificate.key_granted"


def _activity_days(step_days: int) -> Step:
    """Activities one per local day, ``step_days`` apart (1: a streak; 2: days with gaps)."""

    def step(one: Learner, n: int) -> str:
        kind = one.criteria.get("activity_kind", "practice")
        with one.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT record_activity(:u, :k, CAST(:start AS timestamptz)"
                    " + make_interval(days => d * :step)) FROM generate_series(:a, :b - 1) d"
                ),
                {
                    "u": one.user,
                    "k": kind,
                    "start": START,
                    "step": step_days,
                    "a": one.units,
                    "b": n,
                },
            )
        return "activity.recorded"

    return step


def _activities(one: Learner, n: int) -> str:
    kind = one.criteria.get("activity_kind", "practice")
    with one.engine.begin() as conn:
        conn.execute(
            sa.text(
                "SELECT record_activity(:u, :k, CAST(:start AS timestamptz)"
                " + make_interval(mins => d)) FROM generate_series(:a, :b - 1) d"
            ),
            {"u": one.user, "k": kind, "start": START, "a": one.units, "b": n},
        )
    return "activity.recorded"


STEPS: dict[str, Step] = {
    "milestones_completed": _milestones,
    "first_try_milestones": _milestones,
    "xp_earned": _xp,
    "manual_validations": _manual,
    "bootcamps_completed": _cohorts,
    "perfect_cohort": _cohorts,
    "certificates_earned": _certificates,
    "streak": _activity_days(1),
    "active_days": _activity_days(2),
    "activities": _activities,
}


def _seeded(engine: sa.Engine, criteria_type: str) -> list[Any]:
    return rows(
        engine,
        "SELECT code, criteria FROM achievements WHERE criteria_type = :t ORDER BY code",
        t=criteria_type,
    )


def _target(criteria: dict[str, Any]) -> int:
    return int(criteria.get("count") or criteria.get("days") or criteria.get("total") or 1)


def test_the_catalog_seeds_at_least_the_sources_34_across_every_type(engine: sa.Engine) -> None:
    assert scalar(engine, "SELECT count(*) FROM achievements") >= 34
    types = {r.criteria_type for r in rows(engine, "SELECT criteria_type FROM achievements")}
    assert types == {*STEPS, "fast_finish"}
    kinds = {r.achievement_type for r in rows(engine, "SELECT achievement_type FROM achievements")}
    assert kinds == {"completion", "streak", "mastery", "participation"}


@pytest.mark.parametrize("criteria_type", sorted(STEPS))
def test_each_seeded_achievement_is_awarded_exactly_at_its_target(
    engine: sa.Engine, api_engine: sa.Engine, criteria_type: str
) -> None:
    seeded = _seeded(engine, criteria_type)
    assert seeded, f"no seeded achievement of type {criteria_type}"
    for achievement in seeded:
        one = Learner(engine, achievement.criteria, s.learner(engine), api=api_engine)
        target = _target(achievement.criteria)
        step = STEPS[criteria_type]

        kind = step(one, target - 1)
        one.units = target - 1
        s.evaluate(engine, kind, one.user, one.enrollment)
        assert achievement.code not in s.unlocked(engine, one.user), (achievement.code, target - 1)
        if target > 1:
            assert s.progress(engine, one.user, achievement.code) == (target - 1, target)

        kind = step(one, target)
        one.units = target
        key = f"{kind}:final-{one.user}"
        s.evaluate(engine, kind, one.user, one.enrollment, key=key)
        assert achievement.code in s.unlocked(engine, one.user), (achievement.code, target)

        assert s.evaluate(engine, kind, one.user, one.enrollment, key=key)["outcome"] == "duplicate"
        s.evaluate(engine, kind, one.user, one.enrollment)
        assert s.unlock_events(engine, one.user).count(achievement.code) == 1
        assert s.progress(engine, one.user, achievement.code) == (target, target)


def test_fast_finish_counts_a_cohort_done_within_n_days_of_its_start(engine: sa.Engine) -> None:
    today = dt.datetime.now(dt.UTC).date()
    for achievement in _seeded(engine, "fast_finish"):
        days = int(achievement.criteria["within_days"])
        user = s.learner(engine)
        for offset, expected in ((days + 1, False), (days, True)):
            cohort_id = f"c-{user}-{offset}"
            ids = s.cohort(engine, cohort_id, start_date=str(today - dt.timedelta(days=offset)))
            enrollment = s.enroll(engine, user, cohort_id)
            s.complete(engine, user, ids)
            s.complete_enrollment(engine, enrollment)
            s.evaluate(engine, "enrollment.completed", user, enrollment)
            assert (achievement.code in s.unlocked(engine, user)) is expected, (
                achievement.code,
                offset,
            )
        assert s.unlock_events(engine, user).count(achievement.code) == 1


def test_a_cohort_with_a_late_milestone_is_not_perfect(engine: sa.Engine) -> None:
    user = s.learner(engine)
    ids = s.cohort(engine, "late", milestones=2, end_date="2026-01-01")
    enrollment = s.enroll(engine, user, "late")
    s.complete(engine, user, ids)  # completed now, long after the end date
    assert s.complete_enrollment(engine, enrollment)
    s.evaluate(engine, "enrollment.completed", user, enrollment)
    assert "first_bootcamp" in s.unlocked(engine, user)
    assert "perfect_cohort" not in s.unlocked(engine, user)

    ids = s.cohort(engine, "on-time", milestones=2, end_date="2999-01-01")
    enrollment = s.enroll(engine, user, "on-time")
    s.complete(engine, user, ids)
    assert s.complete_enrollment(engine, enrollment)
    s.evaluate(engine, "enrollment.completed", user, enrollment)
    assert "perfect_cohort" in s.unlocked(engine, user)


def test_an_event_kind_evaluates_only_the_achievements_it_can_affect(engine: sa.Engine) -> None:
    """Ten activities do not move milestone achievements, and milestones no activity ones."""
    user = s.learner(engine)
    _activities(Learner(engine, {}, user), 10)
    ids = s.cohort(engine, "c1", milestones=2)
    s.complete(engine, user, ids)
    result = s.evaluate(engine, "milestone.completed", user)
    assert set(result["awarded"]) == {"first_milestone"}
    assert s.progress(engine, user, "activities_50") is None
    result = s.evaluate(engine, "activity.recorded", user)
    assert "first_activity" in result["awarded"]
    assert "first_milestone" not in result["awarded"]
    assert s.progress(engine, user, "activities_50") == (10, 50)


def test_an_admin_adds_an_achievement_by_inserting_a_row(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO achievements (code, name, description, achievement_type, category,"
                " tier, points, criteria) VALUES ('two_milestones', 'Two', 'Two milestones',"
                " 'completion', 'Milestone', 'bronze', 5,"
                ' \'{"type": "milestones_completed", "count": 2}\')'
            )
        )
    user = s.learner(engine)
    s.complete(engine, user, s.cohort(engine, "c1", milestones=2))
    assert "two_milestones" in s.evaluate(engine, "milestone.completed", user)["awarded"]

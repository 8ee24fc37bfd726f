"""Streaks: local days in the learner's time zone, fixed at activity time; order-free."""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.integration.achievements import support as s
from tests.integration.helpers import rows, scalar


def _local(engine: sa.Engine, local: str, zone: str) -> str:
    """The instant a wall-clock time in ``zone`` names, as ISO text (Postgres does the zone)."""
    return str(
        scalar(
            engine,
            "SELECT to_char((CAST(:l AS timestamp) AT TIME ZONE :z) AT TIME ZONE 'UTC',"
            ' \'YYYY-MM-DD"T"HH24:MI:SS"Z"\')',
            l=local,
            z=zone,
        )
    )


def _days(engine: sa.Engine, user: UUID) -> list[date]:
    return [
        r.local_date
        for r in rows(
            engine,
            "SELECT local_date FROM user_activities WHERE user_profile_id = :u"
            " ORDER BY occurred_at",
            u=user,
        )
    ]


def _record_all(engine: sa.Engine, user: UUID, instants: list[str], kind: str = "lesson") -> None:
    for at in instants:
        s.record(engine, user, kind, at)
        s.evaluate(engine, "activity.recorded", user)


def test_utc_day_boundary_and_two_activities_on_one_day_count_once(engine: sa.Engine) -> None:
    user = s.learner(engine)
    _record_all(
        engine,
        user,
        ["2026-03-01T08:00:00Z", "2026-03-01T23:59:59Z", "2026-03-02T00:00:00Z"],
    )
    assert _days(engine, user) == [date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2)]
    assert s.streak(engine, user) == {
        "current_streak": 2,
        "longest_streak": 2,
        "last_active_date": date(2026, 3, 2),
        "active_days": 2,
    }


@pytest.mark.parametrize(
    ("zone", "instants", "local_days"),
    [
        # UTC+13: 10:30Z is 23:30 on the 1st there, 11:30Z already 00:30 on the 2nd;
        # both are 1 March in UTC.
        ("Pacific/Tongatapu", ["2026-03-01T10:30:00Z", "2026-03-01T11:30:00Z"], [1, 2]),
        # UTC-10: 09:30Z on the 2nd is still 23:30 on the 1st there.
        ("Pacific/Honolulu", ["2026-03-02T09:30:00Z", "2026-03-02T10:30:00Z"], [1, 2]),
        # The same instants for a UTC learner are one day.
        ("UTC", ["2026-03-01T10:30:00Z", "2026-03-01T11:30:00Z"], [1, 1]),
    ],
)
def test_the_day_boundary_is_the_learners_time_zone(
    engine: sa.Engine, zone: str, instants: list[str], local_days: list[int]
) -> None:
    user = s.learner(engine, time_zone=zone)
    _record_all(engine, user, instants)
    assert _days(engine, user) == [date(2026, 3, d) for d in local_days]
    assert s.streak(engine, user)["longest_streak"] == len(set(local_days))


@pytest.mark.parametrize(
    ("first_day", "wall_clock"),
    [
        ("2026-03-06", "23:30"),  # New York springs forward on 8 March (UTC-5 -> UTC-4)
        ("2026-10-30", "00:30"),  # ... and falls back on 1 November (UTC-4 -> UTC-5)
        ("2026-10-30", "23:30"),
    ],
)
def test_daylight_saving_changes_neither_skip_nor_merge_days(
    engine: sa.Engine, first_day: str, wall_clock: str
) -> None:
    zone = "America/New_York"
    user = s.learner(engine, time_zone=zone)
    start = date.fromisoformat(first_day)
    locals_ = [f"{date.fromordinal(start.toordinal() + i)} {wall_clock}" for i in range(5)]
    _record_all(engine, user, [_local(engine, local, zone) for local in locals_])
    assert _days(engine, user) == [date.fromordinal(start.toordinal() + i) for i in range(5)]
    assert s.streak(engine, user)["longest_streak"] == 5


def test_the_repeated_hour_when_clocks_fall_back_is_one_day(engine: sa.Engine) -> None:
    user = s.learner(engine, time_zone="America/New_York")
    # 01:30 happens twice on 1 November 2026 in New York: 05:30Z and 06:30Z.
    _record_all(engine, user, ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"])
    assert _days(engine, user) == [date(2026, 11, 1)] * 2
    assert s.streak(engine, user)["active_days"] == 1


def _state(engine: sa.Engine, user: UUID) -> tuple[Any, ...]:
    streaks = rows(
        engine,
        "SELECT streak_kind, current_streak, longest_streak, last_active_date, active_days"
        " FROM user_streaks WHERE user_profile_id = :u ORDER BY streak_kind",
        u=user,
    )
    return tuple(tuple(r) for r in streaks), sorted(s.unlocked(engine, user))


def test_out_of_order_and_replayed_events_give_the_in_order_result(engine: sa.Engine) -> None:
    days = [1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14]  # gaps after the 7th, 10th
    instants = [f"2026-04-{d:02d}T12:00:00Z" for d in days]
    in_order, shuffled = s.learner(engine, name="A"), s.learner(engine, name="B")
    _record_all(engine, in_order, instants)

    ids = [s.record(engine, shuffled, "lesson", at) for at in instants]
    deliveries = [f"activity.recorded:{i}" for i in ids] * 2  # every event twice
    random.Random(11).shuffle(deliveries)
    outcomes = [
        s.evaluate(engine, "activity.recorded", shuffled, key=key)["outcome"] for key in deliveries
    ]
    assert outcomes.count("duplicate") == len(ids)

    assert _state(engine, shuffled) == _state(engine, in_order)
    assert s.streak(engine, in_order) == {
        "current_streak": 3,
        "longest_streak": 7,
        "last_active_date": date(2026, 4, 14),
        "active_days": 12,
    }
    assert "streak_7" in s.unlocked(engine, shuffled)
    assert s.unlock_events(engine, shuffled).count("streak_7") == 1


def test_a_late_event_that_fills_a_gap_joins_the_two_runs(engine: sa.Engine) -> None:
    user = s.learner(engine)
    _record_all(engine, user, [f"2026-05-{d:02d}T12:00:00Z" for d in (1, 2, 3, 5, 6, 7)])
    assert (s.streak(engine, user)["current_streak"], s.streak(engine, user)["longest_streak"]) == (
        3,
        3,
    )
    assert "streak_7" not in s.unlocked(engine, user)
    _record_all(engine, user, ["2026-05-04T12:00:00Z", "2026-05-08T12:00:00Z"])
    assert s.streak(engine, user)["longest_streak"] == 8
    assert "streak_7" in s.unlocked(engine, user)


def test_a_missed_day_resets_the_current_streak_in_the_dashboard(engine: sa.Engine) -> None:
    user = s.learner(engine, time_zone="Pacific/Honolulu")
    _record_all(engine, user, [f"2026-05-{d:02d}T20:00:00Z" for d in (1, 2, 3, 4)])
    with engine.connect() as conn:
        board = conn.execute(sa.text("SELECT achievement_dashboard(:u)"), {"u": user}).scalar_one()
    assert (board["current_streak"], board["longest_streak"]) == (0, 4)  # long ago: broken

    # Active yesterday and today (in Honolulu): the current streak shows 2.
    for days_ago in (1, 0):
        at = scalar(
            engine,
            "SELECT ((now() AT TIME ZONE 'Pacific/Honolulu')::date - :d + time '12:00')"
            " AT TIME ZONE 'Pacific/Honolulu'",
            d=days_ago,
        )
        s.record(engine, user, "login", at)
    s.evaluate(engine, "activity.recorded", user)
    with engine.connect() as conn:
        board = conn.execute(sa.text("SELECT achievement_dashboard(:u)"), {"u": user}).scalar_one()
    assert (board["current_streak"], board["longest_streak"]) == (2, 4)


def test_a_learner_who_moves_time_zone_keeps_the_days_already_recorded(engine: sa.Engine) -> None:
    user = s.learner(engine, time_zone="Pacific/Tongatapu")
    _record_all(engine, user, ["2026-03-01T11:30:00Z"])  # 00:30 on the 2nd in Tonga
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET time_zone = 'Pacific/Honolulu' WHERE id = :u"),
            {"u": user},
        )
    # 23:30 on the 2nd in Honolulu: the same local day as the first, so it counts once.
    _record_all(engine, user, ["2026-03-03T09:30:00Z"])
    assert _days(engine, user) == [date(2026, 3, 2), date(2026, 3, 2)]
    assert s.streak(engine, user)["active_days"] == 1
    _record_all(engine, user, ["2026-03-03T20:00:00Z"])  # 10:00 on the 3rd in Honolulu
    assert s.streak(engine, user)["longest_streak"] == 2
    zones = rows(engine, "SELECT time_zone FROM user_activities WHERE user_profile_id = :u", u=user)
    assert sorted(r.time_zone for r in zones) == [
        "Pacific/Honolulu",
        "Pacific/Honolulu",
        "Pacific/Tongatapu",
    ]


def test_the_admin_command_rebuilds_streaks_from_the_activity_log(
    engine: sa.Engine,
    owner_engine: sa.Engine,
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cli.main import main

    users = [s.learner(engine, name=n) for n in ("A", "B")]
    for user in users:
        _record_all(engine, user, [f"2026-06-{d:02d}T12:00:00Z" for d in (1, 2, 3, 5)])
    before = [_state(engine, user) for user in users]
    with owner_engine.begin() as conn:  # the streak state lost, as by a bad deploy
        conn.execute(sa.text("UPDATE user_streaks SET current_streak = 0, longest_streak = 0"))
        conn.execute(sa.text("DELETE FROM user_streaks WHERE streak_kind = 'lesson'"))

    monkeypatch.setenv("DATABASE_URL", admin_database_url)  # an admin command
    result = CliRunner().invoke(main, ["achievements", "rebuild-streaks"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "rebuilt 4 streak(s)"
    assert [_state(engine, user) for user in users] == before
    [audit] = rows(engine, "SELECT command, arguments, outcome, result FROM admin_audit")
    assert (audit.command, audit.outcome) == ("achievements rebuild-streaks", "ok")
    assert (audit.arguments, audit.result) == ({"user": None}, {"rebuilt": 4})

"""The read model: what a learner's dashboard shows."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from click.testing import CliRunner

from tests.integration.achievements import support as s


def _board(engine: sa.Engine, user: UUID) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT achievement_dashboard(:u, 2)"), {"u": user}).scalar_one()
        )


def test_the_dashboard_shows_progress_points_streaks_and_what_is_within_reach(
    engine: sa.Engine,
) -> None:
    user = s.learner(engine)
    s.complete(engine, user, s.cohort(engine, "c1", milestones=4))
    s.evaluate(engine, "milestone.completed", user)
    for day in (1, 2):
        s.record(engine, user, "login", f"2026-03-0{day}T12:00:00Z")
    s.evaluate(engine, "activity.recorded", user)

    board = _board(engine, user)
    by_code = {a["code"]: a for a in board["achievements"]}
    assert len(by_code) == 36
    unlocked = sorted(code for code, a in by_code.items() if a["unlocked_at"])
    assert unlocked == ["first_activity", "first_login", "first_milestone"]
    assert board["total_points"] == 10 + 5 + 5
    assert (board["current_streak"], board["longest_streak"]) == (0, 2)
    assert str(board["last_active_date"]) == "2026-03-02"
    assert by_code["milestones_5"]["progress_current"] == 4
    # Closest to done first: 4 of 5 milestones, then 2 of 3 streak days.
    assert [
        (n["code"], n["progress_current"], n["progress_target"]) for n in board["within_reach"]
    ] == [
        ("milestones_5", 4, 5),
        ("streak_3", 2, 3),
    ]


def test_certflow_achievements_show_prints_the_dashboard(
    engine: sa.Engine, database_url: str, monkeypatch: Any
) -> None:
    from cli.main import main

    user = s.learner(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["achievements", "show", str(user)])
    assert result.exit_code == 0, result.output
    assert f'"user_profile_id": "{user}"' in result.output
    assert '"total_points": 0' in result.output

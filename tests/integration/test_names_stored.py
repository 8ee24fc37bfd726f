"""Issue 19, item 3: whoever writes a learner's name (the app, here as its own login),
it is stored without bidi controls or control characters (sql/rules/names.sql)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.integration.helpers import rows


def test_the_app_cannot_store_a_direction_override_or_a_control_character(
    app_engine: sa.Engine, engine: sa.Engine
) -> None:
    with app_engine.begin() as conn:
        made = conn.execute(
            sa.text(
                "INSERT INTO user_profiles (display_name, username)"
                " VALUES (:name, :username) RETURNING id"
            ),
            {"name": "Amélie \u202efdp.exe\x07", "username": "\u2066ami\x1b[2J\u2069"},
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE user_profiles SET display_name = :name WHERE id = :id"),
            {"name": "Ama\u202d\u202a\tDubois", "id": made},
        )

    [row] = rows(engine, "SELECT display_name, username FROM user_profiles WHERE id = :id", id=made)
    assert (row.display_name, row.username) == ("Ama Dubois", "ami [2J")

"""Issue 19, item 8: an admin login cannot forge the audit trail. Rows are written only
by the database's writers, which set the time and the database user themselves; only
the dry-run function writes a selection, and a selection of 10,000 letters is stored
as ranges, not as a 150 KB list."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from certflow.errors import AdminRefused
from db.audit import Action, audited, record_dry_run
from db.dead_letters import Filters
from db.engine import transaction
from issuance.operations import dead_letters as letters
from tests.fixtures.database import LOGINS
from tests.integration.admin.letters import dead_letter
from tests.integration.helpers import rows, scalar

FORGED = (
    "INSERT INTO admin_audit (actor, via, command, outcome, result, db_user, at)"
    " VALUES ('ada', 'web', 'dead-letters replay', 'dry_run', CAST(:result AS jsonb),"
    " 'postgres', now() - interval '1 year')"
)


def test_an_admin_login_cannot_insert_a_row_of_its_own_making(engine: sa.Engine) -> None:
    letter = dead_letter(engine)

    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as c:
        c.execute(sa.text(FORGED), {"result": json.dumps({"ids": [letter]})})

    assert rows(engine, "SELECT * FROM admin_audit") == []
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as c:
        c.execute(sa.text("INSERT INTO dead_letter_selections VALUES (1, 'x', '{}', 0)"))


def test_the_writer_sets_the_database_user_and_time_and_writes_no_dry_run(
    engine: sa.Engine,
) -> None:
    refused = pytest.raises(sa.exc.ProgrammingError, match="admin_dead_letter_dry_run only")
    with refused, engine.begin() as conn:
        conn.execute(
            sa.text(
                "SELECT admin_audit_write('ada', 'web', 'dead-letters replay', '{}',"
                " 'dry_run', '{}')"
            )
        )
    action = Action(actor="ada", via="web", command="flags", arguments={})
    with audited(engine, action):
        action.done({"certificates": True})

    [row] = rows(
        engine, "SELECT actor, db_user, at > now() - interval '1 minute' AS now FROM admin_audit"
    )
    assert (row.actor, row.db_user, row.now) == ("ada", LOGINS["admin"], True)


def test_a_replay_takes_only_a_selection_the_dry_run_function_wrote(engine: sa.Engine) -> None:
    letter = dead_letter(engine)
    with engine.begin() as conn:
        written = conn.execute(
            sa.text(
                "SELECT admin_audit_write('ada', 'web', 'dead-letters replay', '{}', 'ok',"
                " CAST(:result AS jsonb))"
            ),
            {"result": json.dumps({"ids": [letter]})},
        ).scalar_one()

    with pytest.raises(AdminRefused, match=f"no dry run #{written}"):
        letters.select(engine, Filters(), selection=written, command=letters.REPLAY)


def test_a_selection_of_ten_thousand_letters_is_a_few_bytes(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO dead_letters (actor, queue, message_id, idempotency_key, payload,"
                " error_type, reason, permanent, retries)"
                " SELECT 'render_certificate', 'render', 'm' || g, 'k' || g, '{}'::jsonb,"
                " 'StorageUnavailable', 'down', false, 3 FROM generate_series(1, 10000) g"
            )
        )
    ids = [r.id for r in rows(engine, "SELECT id FROM dead_letters ORDER BY id")]
    action = Action(actor="vic", via="web", command=letters.REPLAY, arguments={"queue": "render"})

    with audited(engine, action), transaction(engine) as conn:
        record_dry_run(conn, action, ids)

    stored = scalar(
        engine,
        "SELECT pg_column_size(a.*) + pg_column_size(s.*) FROM admin_audit a"
        " JOIN dead_letter_selections s ON s.audit_id = a.id WHERE a.id = :id",
        id=action.audit_id,
    )
    assert stored < 1024
    assert rows(engine, "SELECT outcome, result FROM admin_audit")[0].result == {"letters": 10000}
    assert letters.select(engine, Filters(), selection=action.audit_id) == ids

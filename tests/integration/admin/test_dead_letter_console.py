"""The dead-letter console: filters, show, dry run, frozen selections, batches, purge.

Every action that changes something, and every dry run, writes one audit row.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from db import seed
from tests.integration.admin.letters import dead_letter, selected
from tests.integration.helpers import rows, scalar


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def _json(cli: CliRunner, *args: str) -> Any:
    result = cli.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _open_ids(engine: sa.Engine) -> list[int]:
    found = rows(
        engine,
        "SELECT id FROM dead_letters WHERE replayed_at IS NULL AND purged_at IS NULL ORDER BY id",
    )
    return [r.id for r in found]


def test_list_filters_by_queue_actor_error_and_age(cli: CliRunner, engine: sa.Engine) -> None:
    old_render = dead_letter(engine, age="2 hours")
    new_render = dead_letter(engine, reason="render font missing", error_type="RenderError")
    chain = dead_letter(engine, actor="grant_key", queue="chain", reason="rpc timed out")

    listed = _json(cli, "dead-letters", "list")
    by_queue = _json(cli, "dead-letters", "list", "--queue", "chain")
    by_actor = _json(cli, "dead-letters", "list", "--actor", "render_certificate")
    by_error = _json(cli, "dead-letters", "list", "--error", "FONT")
    older = _json(cli, "dead-letters", "list", "--older-than", "1h")
    newer = _json(cli, "dead-letters", "list", "--newer-than", "30m")

    assert [r["id"] for r in listed] == [old_render, new_render, chain]
    first = listed[0]
    assert {"queue", "actor", "enrollment_id", "idempotency_key", "reason", "failed_at"} <= set(
        first
    )
    assert first["age_seconds"] >= 7200
    assert [r["id"] for r in by_queue] == [chain]
    assert [r["id"] for r in by_actor] == [old_render, new_render]
    assert [r["id"] for r in by_error] == [new_render]
    assert [r["id"] for r in older] == [old_render]
    assert [r["id"] for r in newer] == [new_render, chain]
    human = cli.invoke(main, ["dead-letters", "list", "--queue", "chain"])
    assert f"#{chain} chain/grant_key" in human.output
    assert "rpc timed out" in human.output


def test_show_prints_one_letter_in_full_and_refuses_an_unknown_id(
    cli: CliRunner, engine: sa.Engine
) -> None:
    letter = dead_letter(engine, key="certificate.attested:k1")

    shown = _json(cli, "dead-letters", "show", str(letter))
    missing = cli.invoke(main, ["dead-letters", "show", "999999"])

    assert shown["idempotency_key"] == "certificate.attested:k1"
    assert shown["payload"] == {"enrollment_id": None}
    assert shown["already"] is None
    assert missing.exit_code == 1
    assert "Dead letter 999999 not found" in missing.output


def test_dry_run_lists_exactly_what_would_be_replayed_and_which_already_happened(
    cli: CliRunner, engine: sa.Engine
) -> None:
    done = dead_letter(engine, actor="attest", queue="chain", key="certificate.key_granted:d")
    todo = dead_letter(engine, actor="attest", queue="chain")
    dead_letter(engine)  # another queue: not in the filter
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO processed_messages (actor, idempotency_key)"
                " VALUES ('attest', 'certificate.key_granted:d')"
            )
        )

    preview = _json(cli, "dead-letters", "replay", "--queue", "chain", "--dry-run")

    assert preview["ids"] == [done, todo]
    already = {letter["id"]: letter["already"] for letter in preview["letters"]}
    assert already == {done: "already processed (ledger key recorded)", todo: None}
    assert _open_ids(engine) == [done, todo, todo + 1]  # nothing changed
    assert scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'replay'") == 0
    (audit,) = rows(engine, "SELECT * FROM admin_audit")
    assert (audit.id, audit.command, audit.outcome) == (
        preview["audit_id"],
        "dead-letters replay",
        "dry_run",
    )
    assert audit.arguments["queue"] == "chain"
    assert audit.result == {"letters": 2}
    assert selected(engine, audit.id) == [done, todo]


def test_a_selection_replays_the_previewed_set_never_a_letter_that_died_after(
    cli: CliRunner, engine: sa.Engine
) -> None:
    """The frozen-set race: preview, a new letter matching the filter dies, replay the
    selection: only the previewed letters are replayed."""
    previewed = [dead_letter(engine), dead_letter(engine)]
    preview = _json(cli, "dead-letters", "replay", "--actor", "render_certificate", "--dry-run")
    died_after = dead_letter(engine)

    replayed = _json(cli, "dead-letters", "replay", "--selection", str(preview["audit_id"]))

    assert replayed["ids"] == previewed
    assert _open_ids(engine) == [died_after]
    keys = rows(engine, "SELECT idempotency_key FROM event_outbox WHERE kind = 'replay'")
    assert sorted(k.idempotency_key for k in keys) == [f"replay:{i}" for i in previewed]
    audit = rows(engine, "SELECT * FROM admin_audit ORDER BY id")
    assert [(a.command, a.outcome) for a in audit] == [
        ("dead-letters replay", "dry_run"),
        ("dead-letters replay", "ok"),
    ]
    assert audit[1].arguments["selection"] == preview["audit_id"]
    assert audit[1].result == {"ids": previewed, "skipped": []}


def test_replay_by_filter_goes_in_bounded_batches_and_a_second_replay_changes_nothing(
    cli: CliRunner, engine: sa.Engine
) -> None:
    letters = [dead_letter(engine, error_type="StorageUnavailable") for _ in range(5)]

    first = _json(cli, "dead-letters", "replay", "--error", "storage", "--batch-size", "2")
    second = _json(cli, "dead-letters", "replay", *map(str, letters))

    assert first["ids"] == letters
    assert second == {"ids": [], "skipped": letters, "audit_id": second["audit_id"]}
    assert scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'replay'") == 5
    audit = rows(engine, "SELECT arguments, result FROM admin_audit ORDER BY id")
    assert audit[0].arguments["error"] == "storage"
    assert audit[0].result["ids"] == letters
    assert audit[1].result == {"ids": [], "skipped": letters}


def test_replay_without_ids_filter_or_all_is_a_usage_error(cli: CliRunner) -> None:
    result = cli.invoke(main, ["dead-letters", "replay"])

    assert result.exit_code == 2
    assert "name dead letter ids, a filter, --selection N, or --all" in result.output


def test_purge_asks_for_confirmation_and_is_audited(cli: CliRunner, engine: sa.Engine) -> None:
    stale = dead_letter(engine, age="3 days")
    fresh = dead_letter(engine)

    refused = cli.invoke(main, ["dead-letters", "purge", "--older-than", "1d"])
    purged = _json(cli, "dead-letters", "purge", "--older-than", "1d", "--yes")

    assert refused.exit_code == 1
    assert "purge asks for confirmation" in refused.output
    assert purged["ids"] == [stale]
    assert _open_ids(engine) == [fresh]
    (row,) = rows(engine, "SELECT purged_by, replayed_at FROM dead_letters WHERE id = :i", i=stale)
    assert row.replayed_at is None  # still blocks the reconciler's re-send of its event
    assert row.purged_by
    audit = rows(engine, "SELECT command, outcome, result FROM admin_audit ORDER BY id")
    assert [(a.command, a.outcome) for a in audit] == [
        ("dead-letters purge", "refused"),
        ("dead-letters purge", "ok"),
    ]
    assert audit[1].result["ids"] == [stale]
    assert _json(cli, "dead-letters", "replay", str(stale))["ids"] == []


def test_the_dry_run_sees_a_key_already_granted_and_an_attestation_already_there(
    cli: CliRunner, engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    with owner_engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        [enrollment] = seed.enroll_learners(conn, cohort, ["A"]).values()
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_tx_hash = '0xab',"
                " certificate_attestation_uid = '0xcd' WHERE id = :id"
            ),
            {"id": enrollment},
        )
    grant = dead_letter(engine, actor="grant_key", queue="chain", enrollment_id=enrollment)
    attest = dead_letter(engine, actor="attest", queue="chain", enrollment_id=enrollment)

    preview = _json(cli, "dead-letters", "replay", "--queue", "chain", "--dry-run")

    assert {letter["id"]: letter["already"] for letter in preview["letters"]} == {
        grant: "key already granted (tx 0xab)",
        attest: "attestation already there (0xcd)",
    }


def test_a_purged_message_that_dies_again_is_listed_again(
    cli: CliRunner, worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    from db import dead_letters

    letter = dead_letter(engine)
    _json(cli, "dead-letters", "purge", str(letter), "--yes")
    (row,) = rows(engine, "SELECT * FROM dead_letters")
    with worker_engine.begin() as conn:  # the middleware's write, as the worker role
        again = dead_letters.record(
            conn,
            dead_letters.DeadLetter(
                actor=row.actor,
                queue=row.queue,
                message_id=row.message_id,
                idempotency_key=row.idempotency_key,
                enrollment_id=None,
                outbox_id=None,
                payload=row.payload,
                error_type="StorageUnavailable",
                reason="down again",
                permanent=False,
                retries=3,
            ),
        )

    assert again == letter
    assert [r["reason"] for r in _json(cli, "dead-letters", "list")] == ["down again"]

"""Replaying dead letters through the real pipeline: storage down until the message
is dead-lettered, then replayed after recovery, has its effect once."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from certflow.settings import Settings
from cli.main import main
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.fixtures.s3 import S3Server
from tests.integration.admin.letters import selected
from tests.integration.certificates_pdf.conftest import (
    Learner,
    certificate_rows,
    emit,
    object_keys,
    pdf_settings,
    settled_learner,
)
from tests.integration.helpers import processed, rows


@pytest.fixture
def settings(
    database_url: str, redis_url: str, private_s3_server: S3Server, s3_bucket: str
) -> Settings:
    """The render actor writes to a server of this test's own, which it stops and starts."""
    return pdf_settings(database_url, redis_url, private_s3_server.endpoint, s3_bucket)


@pytest.fixture
def store(settings: Settings) -> ObjectStore:
    return ObjectStore.from_settings(settings, region=settings.s3_region)


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


@pytest.fixture
def dead_lettered(
    engine: sa.Engine, private_s3_server: S3Server, relay: Any, worker: Any
) -> tuple[Learner, int]:
    """A render that failed on storage being down until its retries ran out; storage back up."""
    private_s3_server.stop()
    learner = settled_learner(engine)
    emit(engine, "certificate.attested", learner.enrollment_id)
    [letter] = wait_until(lambda: rows(engine, "SELECT * FROM dead_letters"), timeout=60)
    assert (letter.error_type, letter.permanent) == ("StorageUnavailable", False)
    private_s3_server.start()
    return learner, letter.id


def _replay(cli: CliRunner, *args: str) -> dict[str, Any]:
    result = cli.invoke(main, ["dead-letters", "replay", *args, "--json"])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_replayed_after_recovery_has_its_effect_once_and_twice_changes_nothing(
    cli: CliRunner, engine: sa.Engine, store: ObjectStore, dead_lettered: tuple[Learner, int]
) -> None:
    learner, letter = dead_lettered

    preview = _replay(cli, "--queue", "render", "--dry-run")
    first = _replay(cli, "--selection", str(preview["audit_id"]))
    [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id))
    wait_until(lambda: processed(engine, "render_certificate") == 1)
    second = _replay(cli, str(letter))

    assert [(x["id"], x["already"]) for x in preview["letters"]] == [(letter, None)]
    assert first["ids"] == [letter]
    assert second == {"ids": [], "skipped": [letter], "audit_id": second["audit_id"]}
    assert object_keys(store, learner.prefix) == [row.object_key]
    assert certificate_rows(engine, learner.enrollment_id) == [row]
    outcomes = rows(engine, "SELECT id, outcome, result FROM admin_audit ORDER BY id")
    assert selected(engine, outcomes[0].id) == [letter]
    assert [(o.outcome, o.result.get("ids", o.result)) for o in outcomes] == [
        ("dry_run", {"letters": 1}),
        ("ok", [letter]),
        ("ok", []),
    ]


def test_replaying_a_letter_whose_effect_was_healed_meanwhile_changes_nothing(
    cli: CliRunner, engine: sa.Engine, store: ObjectStore, dead_lettered: tuple[Learner, int]
) -> None:
    """The certificate was rendered by another delivery of the same event (as the
    reconciler re-emits it, under a key of its own) before the admin got to the letter:
    the dry run says so, and the replay leaves one row and one object."""
    learner, letter = dead_lettered
    emit(engine, "certificate.attested", learner.enrollment_id, key="reconcile:healed")
    [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id))

    preview = _replay(cli, "--dry-run", str(letter))
    replayed = _replay(cli, "--selection", str(preview["audit_id"]))
    wait_until(lambda: processed(engine, "render_certificate") == 2)

    assert preview["letters"][0]["already"] == "certificate already rendered"
    assert replayed["ids"] == [letter]
    assert certificate_rows(engine, learner.enrollment_id) == [row]
    assert object_keys(store, learner.prefix) == [row.object_key]

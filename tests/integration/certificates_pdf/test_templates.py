"""Issuer templates (issue 22) as an admin manages them with ``certflow templates`` and the
render worker prints them: images checked and stored by sha256, a template change that
leaves issued PDFs alone, a rerender that prints and records the new version, and the
learner's locale and the app's score."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from PIL import Image as PILImage

from certflow.settings import Settings
from cli.main import main
from db.ledger import LedgerKey
from issuance.certificates.certificate_pdf import render_certificate
from render.storage import ObjectStore
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY
from tests.integration.certificates_pdf.conftest import (
    certificate_rows,
    set_attestation,
    settled_learner,
)
from tests.integration.helpers import rows


def png(path: Path, size: tuple[int, int] = (120, 60), colour: str = "navy") -> Path:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def cli(settings: Settings, admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """``certflow`` as an admin runs it, on this test's database and bucket."""
    env = {
        "DATABASE_URL": admin_database_url,
        "REDIS_URL": settings.redis_url,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_BUCKET": settings.s3_bucket,
        "VERIFY_BASE_URL": settings.verify_base_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def run(cli: CliRunner, *argv: str) -> Result:
    return cli.invoke(main, list(argv))


def created(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    made: dict[str, Any] = json.loads(result.stdout)
    return made


def printed_with(engine: sa.Engine, enrollment_id: UUID) -> list[tuple[Any, ...]]:
    found = rows(
        engine,
        "SELECT c.version, p.template_id, p.template_version, p.locale, p.score"
        " FROM certificates c JOIN certificate_printed_fields p ON p.certificate_id = c.id"
        " WHERE c.enrollment_id = :e ORDER BY c.version",
        e=enrollment_id,
    )
    return [tuple(r) for r in found]


def test_a_template_change_leaves_issued_pdfs_alone_and_rerender_prints_the_new_version(
    engine: sa.Engine,
    worker_engine: sa.Engine,
    settings: Settings,
    store: ObjectStore,
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    learner = settled_learner(engine)
    spec = tmp_path / "look.json"
    png(tmp_path / "logo.png")
    png(tmp_path / "sig.png", (200, 80), "black")
    spec.write_text(
        json.dumps(
            {
                "layout": "modern",
                "font_family": "sans",
                "colours": {"primary": "#003366"},
                "logo": "logo.png",
                "signatories": [{"name": "Grace Hopper", "title": "Dean", "signature": "sig.png"}],
                "fields": ["score", "cohort"],
            }
        )
    )
    made = created(
        run(cli, "templates", "create", "--community", "default", "--name", "Navy",
            "--spec", str(spec), "--json")
    )  # fmt: skip
    template_id = made["id"]
    assigned = run(cli, "templates", "assign", "b1", template_id, "--locale", "es", "--json")
    assert assigned.exit_code == 0, assigned.output
    render_certificate(
        worker_engine, store, settings, learner.enrollment_id, LedgerKey("render", "k1", None)
    )
    [first] = certificate_rows(engine, learner.enrollment_id)
    issued = store.get(first.object_key)

    logo2 = png(tmp_path / "logo2.png", (90, 90), "darkred")
    updated = created(run(cli, "templates", "update", template_id, "--logo", str(logo2), "--json"))
    again = created(run(cli, "certificate", "rerender", str(learner.enrollment_id), "--json"))

    assert (made["version"], updated["version"], again["version"]) == (1, 2, 2)
    assert made["logo"]["key"] == f"templates/images/{made['logo']['sha256']}.png"
    assert updated["logo"]["sha256"] == hashlib.sha256(logo2.read_bytes()).hexdigest()
    assert updated["signatories"] == made["signatories"]  # kept from version 1
    assert (updated["layout"], updated["colours"]["primary"]) == ("modern", "#003366")
    # The issued version: same row, same bytes in S3, same sha256.
    old, new = certificate_rows(engine, learner.enrollment_id)
    assert (old.id, old.sha256, old.object_key) == (first.id, first.sha256, first.object_key)
    assert store.get(old.object_key) == issued
    assert hashlib.sha256(issued).hexdigest() == first.sha256
    assert new.sha256 != first.sha256
    assert printed_with(engine, learner.enrollment_id) == [
        (1, UUID(template_id), 1, "es", None),
        (2, UUID(template_id), 2, "es", None),
    ]
    stored = store.stat(updated["logo"]["key"])
    assert (stored.content_type, stored.sha256) == ("image/png", updated["logo"]["sha256"])


def test_an_attestation_arriving_keeps_the_look_only_rerender_takes_the_new_one(
    engine: sa.Engine,
    worker_engine: sa.Engine,
    settings: Settings,
    store: ObjectStore,
    cli: CliRunner,
) -> None:
    """A certificate printed while the attestation was pending is printed again when it
    arrives (a new version): with the template version and locale it had, not a newer
    template nor a changed language; an admin's rerender takes the current ones."""
    learner = settled_learner(engine, attestation_uid=None)
    made = created(
        run(cli, "templates", "create", "--community", "default", "--name", "T", "--json")
    )
    assert run(cli, "templates", "assign", "b1", made["id"], "--locale", "fr").exit_code == 0
    render_certificate(
        worker_engine, store, settings, learner.enrollment_id, LedgerKey("render", "k1", None)
    )
    assert run(cli, "templates", "update", made["id"], "--layout", "modern").exit_code == 0
    assert run(cli, "templates", "assign", "b1", made["id"], "--locale", "de").exit_code == 0

    set_attestation(engine, learner.enrollment_id, "0x" + "77" * 32)
    render_certificate(
        worker_engine, store, settings, learner.enrollment_id, LedgerKey("render", "k2", None)
    )
    again = run(cli, "certificate", "rerender", str(learner.enrollment_id))

    assert again.exit_code == 0, again.output
    template = UUID(made["id"])
    assert printed_with(engine, learner.enrollment_id) == [
        (1, template, 1, "fr", None),
        (2, template, 1, "fr", None),
        (3, template, 2, "de", None),
    ]


def test_the_learners_locale_wins_and_the_score_prints_when_the_template_lists_it(
    engine: sa.Engine,
    worker_engine: sa.Engine,
    settings: Settings,
    store: ObjectStore,
    cli: CliRunner,
) -> None:
    learner = settled_learner(engine)
    made = created(
        run(cli, "templates", "create", "--community", "default", "--name", "Scored",
            "--fields", "score,cohort,total_xp", "--json")
    )  # fmt: skip
    assert run(cli, "templates", "assign", "b1", made["id"], "--locale", "de").exit_code == 0
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET certificate_locale = 'pt-BR' WHERE id = :u"),
            {"u": learner.user_profile_id},
        )
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_score = 92.5,"
                " certificate_score_out_of = 100 WHERE id = :e"
            ),
            {"e": learner.enrollment_id},
        )

    render_certificate(
        worker_engine, store, settings, learner.enrollment_id, LedgerKey("render", "k1", None)
    )

    [(version, template_id, template_version, locale, score)] = printed_with(
        engine, learner.enrollment_id
    )
    assert (version, template_id, template_version, locale) == (1, UUID(made["id"]), 1, "pt-BR")
    assert float(score) == 92.5


def test_a_bootcamp_without_a_template_prints_certflows_look_in_english(
    engine: sa.Engine, worker_engine: sa.Engine, settings: Settings, store: ObjectStore
) -> None:
    learner = settled_learner(engine)

    render_certificate(
        worker_engine, store, settings, learner.enrollment_id, LedgerKey("render", "k1", None)
    )

    assert printed_with(engine, learner.enrollment_id) == [(1, None, None, "en", None)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.4 not a logo", "the file is not an image"),
        (b"GIF89a" + b"\x00" * 64, "not an image"),
        (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024 + 1), "the largest accepted is"),
    ],
    ids=["pdf", "gif-header", "oversized"],
)
def test_a_logo_that_is_not_an_accepted_image_is_refused_with_its_reason(
    cli: CliRunner, engine: sa.Engine, tmp_path: Path, content: bytes, reason: str
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(content)

    result = run(cli, "templates", "create", "--community", "default", "--name", "Bad",
                 "--logo", str(logo))  # fmt: skip

    assert result.exit_code == 1
    assert "logo refused" in result.stderr
    assert reason in result.stderr
    assert rows(engine, "SELECT id FROM certificate_templates") == []
    [audit] = rows(engine, "SELECT command, outcome, result FROM admin_audit")
    assert (audit.command, audit.outcome) == ("templates create", "refused")
    assert reason in json.dumps(audit.result)


def test_a_huge_image_is_refused_by_its_dimensions(cli: CliRunner, tmp_path: Path) -> None:
    logo = png(tmp_path / "huge.png", (5000, 20), "white")

    result = run(cli, "templates", "create", "--community", "default", "--name", "Huge",
                 "--logo", str(logo))  # fmt: skip

    assert result.exit_code == 1
    assert "5000 x 20 pixels" in result.stderr


def test_show_list_and_preview(cli: CliRunner, engine: sa.Engine, tmp_path: Path) -> None:
    settled_learner(engine)
    made = created(
        run(cli, "templates", "create", "--community", "default", "--name", "Plain", "--json")
    )
    run(cli, "templates", "assign", "b1", made["id"])
    run(cli, "templates", "update", made["id"], "--layout", "modern")
    out = tmp_path / "preview.png"

    shown = json.loads(run(cli, "templates", "show", made["id"], "--json").stdout)
    listed = json.loads(run(cli, "templates", "list", "--json").stdout)
    previewed = run(cli, "templates", "preview", made["id"], "--locale", "fr", "-o", str(out))
    only_locale = created(run(cli, "templates", "assign", "b1", "--locale", "ja", "--json"))
    default = created(run(cli, "templates", "assign", "b1", "--default", "--json"))
    other = run(cli, "templates", "assign", "b1", made["id"], "--community", "acme")
    neither = run(cli, "templates", "assign", "b1")

    assert [(v["version"], v["layout"]) for v in shown] == [(2, "modern"), (1, "classic")]
    assert [(t["name"], t["version"], t["bootcamps"]) for t in listed] == [("Plain", 2, ["b1"])]
    assert previewed.exit_code == 0, previewed.output
    assert (only_locale["template_id"], only_locale["locale"]) == (made["id"], "ja")
    assert (default["template_id"], default["locale"]) == (None, "ja")
    assert (other.exit_code, other.stderr.strip()) == (1, "error: no bootcamp 'b1'")
    assert neither.exit_code == 1
    assert "give a TEMPLATE_ID, --default, or --locale" in neither.stderr
    with PILImage.open(out) as image:
        assert (image.format, image.size) == ("PNG", (1123, 794))

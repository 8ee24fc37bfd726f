"""`certflow api-keys` and `certflow communities set-auth` as an admin runs them: the key is
printed once and only its digest kept, revocation takes effect at the next request, every
change is audited without the key."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from tests.integration.api.conftest import ApiServer, Tenant, bearer


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def test_a_key_is_shown_once_stored_as_its_digest_and_revoked_by_prefix(
    cli: CliRunner, api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    made = cli.invoke(
        main, ["api-keys", "create", "--community", "alpha", "--name", "lms", "--json"]
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    key, prefix = created["key"], created["prefix"]
    path = f"/enrollments/{alpha.completed_enrollment}"

    works = api.http.get(path, headers=bearer(key)).status_code
    listed = json.loads(
        cli.invoke(main, ["api-keys", "list", "--community", "alpha", "--json"]).output
    )
    revoked = cli.invoke(main, ["api-keys", "revoke", prefix])
    after = api.http.get(path, headers=bearer(key)).status_code

    assert (works, after) == (200, 401)
    assert revoked.exit_code == 0, revoked.output
    assert key.startswith(prefix + "_")
    mine = next(row for row in listed if row["prefix"] == prefix)
    assert mine["name"] == "lms"
    assert mine["last_used_at"] is not None
    with admin_engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT secret_sha256 FROM api_keys WHERE prefix = :p"), {"p": prefix}
        ).scalar_one()
        audit = conn.execute(
            sa.text(
                "SELECT command, outcome, arguments::text || result::text"
                " AS text FROM admin_audit ORDER BY id"
            )
        ).all()
    assert bytes(stored) == hashlib.sha256(key.encode()).digest()
    assert [(a.command, a.outcome) for a in audit][-2:] == [
        ("api-keys create", "ok"),
        ("api-keys revoke", "ok"),
    ]
    assert all(key not in a.text for a in audit)


def test_unknown_community_and_unknown_prefix_are_refused(
    cli: CliRunner, tenants: dict[str, Tenant]
) -> None:
    made = cli.invoke(main, ["api-keys", "create", "--community", "nope"])
    revoked = cli.invoke(main, ["api-keys", "revoke", "cfk_000000000000"])

    assert made.exit_code == revoked.exit_code == 1
    assert "no community 'nope'" in made.output
    assert "no API key" in revoked.output


def test_set_auth_saves_the_communitys_token_settings(
    cli: CliRunner, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    result = cli.invoke(
        main,
        [
            "communities",
            "set-auth",
            "beta",
            "--jwks-url",
            "https://id.example/jwks.json",
            "--issuer",
            "https://id.example",
            "--audience",
            "beta-web",
            "--subject-claim",
            "user_id",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM community_auth WHERE community_id = 'beta'")
        ).one()
    assert (row.jwks_url, row.issuer, row.audience, row.subject_claim) == (
        "https://id.example/jwks.json",
        "https://id.example",
        "beta-web",
        "user_id",
    )

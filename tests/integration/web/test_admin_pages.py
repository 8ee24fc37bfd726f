"""The admin pages over real HTTP: refused without a credential, a proxy header only when
configured, 404 when the admin database is not configured, and forms need their CSRF token."""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from certflow.settings import Settings, load_settings
from chain.devnode import free_port
from tests.fixtures.database import settings_for
from tests.integration.admin.letters import dead_letter
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server, env_of
from web.passwords import hash_password

#: The trusted reverse proxy's address in these tests (loopback, but not 127.0.0.1).
PROXY_ADDRESS = "127.0.0.2"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test value for a test server
SESSION_SECRET = "s" * 48


def admin_env(web_database_url: str, admin_database_url: str) -> dict[str, str]:
    """The web process with its admin pages: the read-only user for the public site, the
    admin user for /admin, one admin and one viewer."""
    digest = hash_password(PASSWORD)
    return {
        **env_of(settings_for(web_database_url)),
        "ADMIN_DATABASE_URL": admin_database_url,
        "ADMIN_USERS": f"ada:admin:{digest},vic:viewer:{digest}",
        "WEB_SESSION_SECRET": SESSION_SECRET,
        "ADMIN_PROXY_HEADER": "X-Forwarded-User",
        "ADMIN_PROXY_ADMINS": "",
        # The reverse proxy: requests from PROXY_ADDRESS (from_proxy below), not 127.0.0.1.
        "ADMIN_TRUSTED_PROXIES": PROXY_ADDRESS,
        # Sign-in counters are kept in Redis under this prefix: one per test.
        "BROKER_NAMESPACE": f"certflow-test-{uuid.uuid4().hex[:12]}",
        # No node here: the status page says the chain part is skipped.
        "RPC_URL": f"http://127.0.0.1:{free_port()}",
        # What the public pages need configured (never reached by these tests).
        "LOCK_MANAGER_ADDRESS": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "EAS_CONTRACT_ADDRESS": "0x" + "e5" * 20,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": "0x" + "00" * 32,
        "S3_ACCESS_KEY": "unused",
        "S3_SECRET_KEY": "unused",
    }


def from_address(
    address: str, url: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    """GET ``url`` from the local ``address`` (127.0.0.2 plays the reverse proxy)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=10, source_address=(address, 0)
    )
    try:
        conn.request("GET", parts.path or "/", headers=headers)
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read().decode(),
        )
    finally:
        conn.close()


@pytest.fixture
def admin_web_settings(web_database_url: str, admin_database_url: str) -> Settings:
    return load_settings(admin_env(web_database_url, admin_database_url))


@pytest.fixture
def admin_site(admin_web_settings: Settings) -> Iterator[Server]:
    with Server(admin_web_settings, free_port()) as server:
        yield server


def test_without_a_credential_every_admin_page_is_refused(
    admin_site: Server, engine: sa.Engine
) -> None:
    letter = dead_letter(engine)

    pages = {
        path: requests.get(admin_site.url + path, allow_redirects=False, timeout=10)
        for path in ("/admin", "/admin/dead-letters", f"/admin/dead-letters/{letter}")
    }
    posted = requests.post(
        admin_site.url + "/admin/dead-letters/replay",
        data={"selection": "1", "csrf": "x"},
        allow_redirects=False,
        timeout=10,
    )

    assert {p: (r.status_code, r.headers["location"]) for p, r in pages.items()} == {
        p: (303, "/admin/login") for p in pages
    }
    assert posted.status_code == 401
    assert rows(engine, "SELECT id FROM dead_letters WHERE replayed_at IS NULL") != []
    assert rows(engine, "SELECT * FROM admin_audit") == []


def test_a_wrong_password_is_refused_and_a_form_without_its_token_too(
    admin_site: Server,
) -> None:
    session = requests.Session()
    form = session.get(admin_site.url + "/admin/login", timeout=10)
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    wrong = session.post(
        admin_site.url + "/admin/login",
        data={"username": "ada", "password": "nope", "csrf": token},
        timeout=10,
    )
    forged = session.post(
        admin_site.url + "/admin/login",
        data={"username": "ada", "password": PASSWORD, "csrf": "forged"},
        timeout=10,
    )

    assert wrong.status_code == 401
    assert "Wrong name or password" in wrong.text
    assert forged.status_code == 403
    still_out = session.get(admin_site.url + "/admin", allow_redirects=False, timeout=10)
    assert still_out.headers["location"] == "/admin/login"


def test_the_proxy_header_signs_in_only_when_configured_and_makes_a_viewer(
    admin_site: Server, engine: sa.Engine
) -> None:
    dead_letter(engine, reason="rpc timed out")

    status, _, text = from_address(
        PROXY_ADDRESS, admin_site.url + "/admin/dead-letters", {"X-Forwarded-User": "pat"}
    )

    assert status == 200
    assert "rpc timed out" in text
    assert '<strong id="who">pat</strong> (viewer)' in text


def test_the_admin_pages_are_not_there_without_an_admin_database(web_database_url: str) -> None:
    env = admin_env(web_database_url, "")
    env.pop("ADMIN_DATABASE_URL")
    settings = load_settings(env)
    with Server(settings, free_port()) as server:
        response = requests.get(server.url + "/admin/login", allow_redirects=False, timeout=10)

    assert response.status_code == 404


def _signed_in(site: Server, name: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    form = session.get(site.url + "/admin/login", timeout=10)
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = session.post(
        site.url + "/admin/login",
        data={"username": name, "password": PASSWORD, "csrf": token},
        timeout=10,
    )
    # Signing in starts a new session, with a new token (on the sign-out form).
    return session, signed.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_purge_on_the_page_needs_its_confirmation_and_is_audited(
    admin_site: Server, engine: sa.Engine
) -> None:
    stale = dead_letter(engine, age="3 days")
    fresh = dead_letter(engine)
    session, token = _signed_in(admin_site, "ada")
    preview = session.post(
        admin_site.url + "/admin/dead-letters/dry-run",
        data={"csrf": token, "do": "purge", "older_than": "1d"},
        timeout=10,
    )
    selection = preview.text.split('name="selection" value="', 1)[1].split('"', 1)[0]

    unconfirmed = session.post(
        admin_site.url + "/admin/dead-letters/purge",
        data={"csrf": token, "selection": selection},
        timeout=10,
    )
    confirmed = session.post(
        admin_site.url + "/admin/dead-letters/purge",
        data={"csrf": token, "selection": selection, "confirm": "yes"},
        timeout=10,
    )

    assert unconfirmed.status_code == 400
    assert "Tick the confirmation box" in unconfirmed.text
    assert confirmed.status_code == 200
    assert "Purged 1 dead letter(s)" in confirmed.text
    purged = rows(engine, "SELECT id, purged_by FROM dead_letters WHERE purged_at IS NOT NULL")
    assert [(r.id, r.purged_by) for r in purged] == [(stale, "ada")]
    assert rows(engine, "SELECT id FROM dead_letters WHERE purged_at IS NULL")[0].id == fresh
    audit = rows(
        engine,
        "SELECT actor, via, command, outcome FROM admin_audit"
        " WHERE command <> 'admin sign-in' ORDER BY id",
    )
    assert [(a.actor, a.via, a.outcome) for a in audit] == [
        ("ada", "web", "dry_run"),
        ("ada", "web", "refused"),
        ("ada", "web", "ok"),
    ]
    assert {a.command for a in audit} == {"dead-letters purge"}

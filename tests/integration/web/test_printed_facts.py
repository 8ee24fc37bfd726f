"""Issue 19, item 1: the page vouches only for what was printed.

After an app renamed a learner, the page and the JSON said "Verified" with the
new name while the PDF carried the old one, and ``certflow verify`` failed on
the name. Now each version stores what it printed; the page, the JSON and the
verifier show and check those values, and say when the profile changed since.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Browser, Page
from web3 import Web3

from certflow.settings import Settings
from issuance.verification.printed_facts import CHANGED, NOT_RECORDED
from issuance.verification.verification import PROFILE, Verifier
from render.extract import read_printed_fields
from render.storage import ObjectStore
from tests.integration.web.conftest import Issue, Issued, Server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 1000})
    yield context.new_page()
    context.close()


def rename(engine: sa.Engine, issued: Issued, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET display_name = :name WHERE id = :id"),
            {"name": name, "id": issued.user_profile_id},
        )


def test_after_a_rename_the_page_shows_the_printed_name_and_says_it_changed(
    issue: Issue, site: Server, page: Page, engine: sa.Engine, tmp_path: Path
) -> None:
    issued = issue(name="Amélie Dubois")
    rename(engine, issued, "Amélie Martin")

    page.goto(f"{site.url}/verify/{issued.certificate.id}")
    page.screenshot(path=str(tmp_path / "renamed.png"), full_page=True)
    heading = page.get_by_role("heading", level=1).inner_text()
    notice = page.locator("#printed-notice").inner_text()

    assert read_printed_fields(issued.pdf).learner_name == "Amélie Dubois"
    assert heading.endswith("Amélie Dubois")
    assert "Amélie Martin" not in page.content()
    assert CHANGED in notice
    assert "learner name" in notice
    assert "certflow certificate rerender" in notice
    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Verified certificate"


def test_after_a_rename_the_json_gives_the_printed_name_and_the_change(
    issue: Issue, site: Server, engine: sa.Engine
) -> None:
    issued = issue(name="Amélie Dubois")
    rename(engine, issued, "Amélie Martin")

    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()

    assert body["verdict"] == "verified"
    assert body["certificate"]["learner"] == "Amélie Dubois"
    assert body["printed"] == {
        "recorded": True,
        "changed": ["learner name"],
        "notice": CHANGED,
        "reprint": body["printed"]["reprint"],
        "locale": "en",
        "dir": "ltr",
    }
    download = requests.get(
        f"{site.url}/certificates/{issued.certificate.id}.pdf", allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(download.headers["location"]).query)
    saved_as = unquote(query["response-content-disposition"][0])
    assert "Amélie Dubois" in saved_as  # the file is named after what it prints
    assert "Martin" not in saved_as


def test_an_unchanged_profile_gets_no_notice(issue: Issue, site: Server) -> None:
    issued = issue()

    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()

    assert body["printed"]["changed"] == []
    assert body["printed"]["notice"] is None
    assert body["verdict"] == "verified"


def test_certflow_verify_checks_the_printed_name_after_a_rename(
    issue: Issue, settings: Settings, engine: sa.Engine, w3: Web3
) -> None:
    """The same check as the page: verify passes and names the change."""
    issued = issue(name="Amélie Dubois")
    rename(engine, issued, "Amélie Martin")
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    verifier = Verifier(settings, engine, lambda: store, w3)

    by_id = verifier.verify_id(str(issued.certificate.id))
    by_file = verifier.verify_pdf(issued.pdf, "held.pdf")

    assert by_id.failed == []
    assert by_file.failed == []
    assert by_id.passed
    [note] = [check for check in by_id.checks if check.name == PROFILE]
    assert CHANGED in note.detail
    assert "learner name" in note.detail


def test_a_version_without_recorded_facts_says_so(
    issue: Issue, site: Server, pg_admin_url: str, database_name: str
) -> None:
    """Versions rendered before the facts were stored: the page says they were not recorded."""
    issued = issue()
    # As a version rendered before migration 0027 (only the migrating superuser may delete).
    superuser = sa.engine.make_url(pg_admin_url).set(database=database_name)
    with psycopg.connect(superuser.render_as_string(hide_password=False)) as conn:
        conn.execute(
            "DELETE FROM certificate_printed_fields WHERE certificate_id = %s",
            (issued.certificate.id,),
        )

    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()

    assert body["printed"]["recorded"] is False
    assert body["printed"]["notice"] == NOT_RECORDED
    assert body["certificate"]["learner"] == "Amélie Dubois"

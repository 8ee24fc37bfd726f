"""The admin page in a real browser (Debian's Chromium driven by Playwright): refused
without the credential, sign in, filter, dry run then replay the frozen selection, see
the audit row; a viewer sees everything and cannot replay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from tests.integration.admin.letters import dead_letter
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import PASSWORD, admin_site, admin_web_settings

__all__ = ["admin_site", "admin_web_settings"]  # fixtures, shared with the HTTP tests

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page: Page, site: Server, name: str) -> None:
    page.goto(site.url + "/admin/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/admin")


def shown_ids(page: Page, table: str) -> list[int]:
    return [int(i or 0) for i in page.locator(f"#{table} tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )]  # fmt: skip


def open_ids(engine: sa.Engine) -> list[int]:
    found = rows(engine, "SELECT id FROM dead_letters WHERE replayed_at IS NULL ORDER BY id")
    return [r.id for r in found]


def test_sign_in_filter_dry_run_replay_and_see_the_audit_row(
    admin_site: Server, page: Page, engine: sa.Engine
) -> None:
    render = [dead_letter(engine), dead_letter(engine)]
    chain = dead_letter(engine, actor="grant_key", queue="chain", reason="rpc timed out")

    page.goto(admin_site.url + "/admin/dead-letters")
    assert page.url == admin_site.url + "/admin/login"  # refused without the credential
    assert page.locator("#letters").count() == 0

    sign_in(page, admin_site, "ada")
    assert page.locator("#who").inner_text() == "ada"
    assert "chain unreachable" in page.locator("#signer").inner_text()  # no node: said so
    assert page.locator("#queues").inner_text().count("\n") >= 4  # a header and every queue
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-status.png"), full_page=True)
    page.click("text=Dead letters")
    assert shown_ids(page, "letters") == [*render, chain]
    page.fill("input[name=queue]", "render")
    page.click("text=Filter")
    assert shown_ids(page, "letters") == render

    page.click("#dry-run-replay")
    assert shown_ids(page, "preview") == render
    page.screenshot(path=str(SCREENSHOTS / "admin-dry-run.png"), full_page=True)
    assert "will run" in page.locator("#preview").inner_text()
    died_meanwhile = dead_letter(engine)  # matches the filter, but after the preview
    page.click("#do-replay")
    page.screenshot(path=str(SCREENSHOTS / "admin-replayed.png"), full_page=True)

    assert page.locator("#done").inner_text() == "Replayed 2 dead letter(s)"
    assert open_ids(engine) == [chain, died_meanwhile]
    page.click("text=Audit")
    audit_text = page.locator("#audit").inner_text()
    assert "dead-letters replay" in audit_text
    assert "ada" in audit_text
    audit = rows(
        engine,
        "SELECT actor, via, command, outcome, result FROM admin_audit"
        " WHERE command <> 'admin sign-in' ORDER BY id",
    )
    assert [(a.actor, a.via, a.command, a.outcome) for a in audit] == [
        ("ada", "web", "dead-letters replay", "dry_run"),
        ("ada", "web", "dead-letters replay", "ok"),
    ]
    assert audit[1].result == {"ids": render, "skipped": []}


def test_a_viewer_sees_the_letters_and_cannot_replay_them(
    admin_site: Server, page: Page, engine: sa.Engine
) -> None:
    letter = dead_letter(engine)

    sign_in(page, admin_site, "vic")
    page.goto(admin_site.url + "/admin/dead-letters")
    assert shown_ids(page, "letters") == [letter]
    page.click("#dry-run-replay")
    response = page.expect_response(lambda r: r.url.endswith("/admin/dead-letters/replay"))
    with response as caught:
        page.click("#do-replay")

    assert caught.value.status == 403
    assert "read-only viewer role" in page.content()
    assert open_ids(engine) == [letter]
    audit = rows(
        engine,
        "SELECT actor, outcome FROM admin_audit WHERE command <> 'admin sign-in' ORDER BY id",
    )
    assert [(a.actor, a.outcome) for a in audit] == [("vic", "dry_run"), ("vic", "refused")]

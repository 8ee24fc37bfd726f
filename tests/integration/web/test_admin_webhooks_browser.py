"""/admin/webhooks in a real browser (Debian's Chromium driven by Playwright): sign in, see
the endpoint the engine disabled and why, filter the deliveries to the failed ones, replay
one with its button, see the audit row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_browser import SCREENSHOTS, sign_in
from tests.integration.web.test_admin_pages import admin_site, admin_web_settings
from tests.integration.web.webhook_rows import GONE, webhook_rows

__all__ = ["admin_site", "admin_web_settings"]  # fixtures, shared with the HTTP tests


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    yield context.new_page()
    context.close()


def shown(page: Page, table: str, attribute: str = "id") -> list[str]:
    found: list[str] = page.locator(f"#{table} tbody tr").evaluate_all(
        f"rows => rows.map(r => r.dataset.{attribute})"
    )
    return found


def test_see_why_an_endpoint_is_disabled_filter_the_failed_and_replay_one(
    admin_site: Server, page: Page, engine: sa.Engine
) -> None:
    hooks = webhook_rows(engine)

    page.goto(admin_site.url + "/admin/webhooks")
    assert page.url == admin_site.url + "/admin/login"  # refused without the credential
    sign_in(page, admin_site, "ada")
    page.click("text=Webhooks")

    states = dict(zip(shown(page, "endpoints"), shown(page, "endpoints", "enabled"), strict=True))
    assert states == {hooks.working: "yes", hooks.gone: "no"}
    gone_row = page.locator(f'#endpoints tr[data-id="{hooks.gone}"] .reason')
    assert gone_row.inner_text() == GONE
    assert sorted(shown(page, "deliveries")) == sorted(
        [hooks.delivered, hooks.failed, hooks.pending]
    )

    page.select_option("#status", "failed")
    page.click("#filter")
    assert shown(page, "deliveries") == [hooks.failed]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-webhooks-failed.png"), full_page=True)
    page.click(f'#deliveries tr[data-id="{hooks.failed}"] button.replay')

    assert page.locator("#done").inner_text() == f"Replaying delivery {hooks.failed}"
    [row] = rows(
        engine,
        "SELECT status, replay_count FROM webhook_deliveries WHERE id = :id",
        id=hooks.failed,
    )
    assert (row.status, row.replay_count) == ("pending", 1)
    page.click("text=Audit")
    audit_text = page.locator("#audit").inner_text()
    assert "webhooks replay" in audit_text
    assert hooks.failed in audit_text

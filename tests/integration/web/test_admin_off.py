"""Issue 19, item 15, in Chromium: /admin on a site without the admin console says the
console is off and how to turn it on (it used to say "Certificate not found"), and
the admin pages have a header of their own, not the public site's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from certflow.settings import load_settings
from chain.devnode import free_port
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import admin_env, admin_site, admin_web_settings

__all__ = ["admin_site", "admin_web_settings"]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_admin_without_the_console_says_it_is_off_and_how_to_turn_it_on(
    web_database_url: str, admin_database_url: str, page: Page
) -> None:
    env = admin_env(web_database_url, admin_database_url)
    env.pop("ADMIN_DATABASE_URL")
    with Server(load_settings(env), free_port()) as site:
        response = page.goto(site.url + "/admin")

        assert response is not None
        assert response.status == 404
        assert page.locator("h1").inner_text() == "The admin console is off"
        text = page.locator("#main").inner_text()
        for variable in ("ADMIN_DATABASE_URL", "ADMIN_USERS", "WEB_SESSION_SECRET"):
            assert variable in text
        assert "Certificate not found" not in page.content()
        assert "admin console" in page.locator("#admin-header").inner_text()


def test_admin_pages_have_their_own_header(admin_site: Server, page: Page) -> None:
    page.goto(admin_site.url + "/admin/login")
    admin_header = page.locator("header").inner_text()
    page.goto(admin_site.url + "/verify")
    public_header = page.locator("header").inner_text()

    assert "admin console" in admin_header
    assert "certificate verification" not in admin_header
    assert "certificate verification" in public_header

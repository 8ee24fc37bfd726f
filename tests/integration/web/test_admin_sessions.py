"""Issue 19, item 7, in Chromium: the admin session lives on the server. A cookie saved
before sign-out opens nothing after it (on this server or a restarted one), and signing
in gives a new session id, so a cookie planted before sign-in is worthless."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext

from certflow.settings import Settings
from chain.devnode import free_port
from tests.integration.helpers import scalar
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_browser import sign_in
from tests.integration.web.test_admin_pages import admin_site, admin_web_settings
from web.admin_auth import COOKIE

__all__ = ["admin_site", "admin_web_settings"]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context()
    yield made
    made.close()


def _session_cookie(context: BrowserContext) -> dict[str, str]:
    [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
    return {"name": cookie["name"], "value": cookie["value"]}


def _opens_admin(browser: Browser, site: Server, cookie: dict[str, str]) -> bool:
    """A fresh browser with only ``cookie``: does /admin open, or send it to sign in?"""
    other = browser.new_context()
    try:
        other.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": site.url}])
        page = other.new_page()
        page.goto(site.url + "/admin")
        return page.url == site.url + "/admin"
    finally:
        other.close()


def test_a_cookie_saved_before_sign_out_opens_nothing_after_it_even_after_a_restart(
    admin_site: Server,
    admin_web_settings: Settings,
    browser: Browser,
    context: BrowserContext,
    engine: sa.Engine,
) -> None:
    page = context.new_page()
    sign_in(page, admin_site, "ada")
    saved = {k: v for k, v in _session_cookie(context).items() if k in ("name", "value")}
    assert _opens_admin(browser, admin_site, saved)
    with Server(admin_web_settings, free_port()) as restarted:
        assert _opens_admin(browser, restarted, saved)  # sessions outlive a restart...

    page.click("text=Sign out")
    page.wait_for_url(admin_site.url + "/admin/login")

    assert not _opens_admin(browser, admin_site, saved)
    with Server(admin_web_settings, free_port()) as restarted:
        assert not _opens_admin(browser, restarted, saved)  # ...and sign-out outlives it too
    assert scalar(engine, "SELECT count(*) FROM admin_sessions") == 0
    assert saved["value"] not in str(
        scalar(engine, "SELECT array_agg(token_sha256) FROM admin_sessions")
    )


def test_signing_in_rotates_the_session_id(
    admin_site: Server, browser: Browser, context: BrowserContext
) -> None:
    first = context.new_page()
    sign_in(first, admin_site, "ada")
    before = _session_cookie(context)["value"]

    sign_in(first, admin_site, "vic")
    after = _session_cookie(context)["value"]

    assert after != before
    assert not _opens_admin(browser, admin_site, {"name": COOKIE, "value": before})
    assert first.locator("#who").inner_text() == "vic"


def test_a_made_up_cookie_opens_nothing(admin_site: Server, browser: Browser) -> None:
    assert not _opens_admin(browser, admin_site, {"name": COOKIE, "value": "forged-token"})

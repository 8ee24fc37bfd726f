"""The verify page of an off-chain certificate in a real browser (Debian's Chromium, Playwright)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from tests.integration.offchain.conftest import Cohort, issue_offchain, stored
from tests.integration.web.conftest import Server

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield context.new_page()
    context.close()


def test_the_page_of_an_offchain_certificate_passes_and_links_its_attestation(
    engine: sa.Engine,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
    site: Server,
    page: Page,
) -> None:
    enrollment_id, cert = issue_offchain(engine, cohort)
    row = stored(engine, enrollment_id)
    assert row is not None

    response = page.goto(f"{site.url}/verify/{cert.id}")

    assert response is not None
    assert response.status == 200
    badges = {
        (item.get_attribute("id") or "").removeprefix("check-"): item.locator(".badge").inner_text()
        for item in page.locator("ol.checks > li").all()
    }
    assert set(badges.values()) == {"Passed"}, badges
    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Verified certificate"
    step = page.locator("#check-attestation")
    assert "EAS off-chain" in step.inner_text()
    share = step.get_by_role("link", name=row.uid, exact=True).get_attribute("href") or ""
    assert share.startswith("https://easscan.example/offchain/url/#attestation=")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "verify-offchain-desktop.png", full_page=True)
    step.get_by_role("link", name=f"/api/attestations/{row.uid}.json").click()
    assert json.loads(page.locator("body").inner_text()) == row.package

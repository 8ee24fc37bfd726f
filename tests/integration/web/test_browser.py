"""The verify page in a real browser: Debian's Chromium driven by Playwright.

The page is opened at the URL decoded from the QR code of a rendered PDF
(pdftoppm + zbarimg), not at one taken from the database. Screenshots of the
page, desktop and phone sized, are saved under var/screenshots/ for a person
to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from playwright.sync_api import Browser, FilePayload, Page, ViewportSize
from web3 import Web3

from certflow.settings import Settings
from chain.deploy import DevDeployment
from chain.transactions import Signer
from cli.main import main
from tests.integration.certificates_pdf.conftest import qr_payloads
from tests.integration.web.conftest import Issue, Server, complete_attestation, env_of

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "var" / "screenshots"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    yield context.new_page()
    context.close()


def statuses(page: Page) -> dict[str, str]:
    """Check key → the status label a reader sees."""
    found = {}
    for item in page.locator("ol.checks > li").all():
        key = (item.get_attribute("id") or "").removeprefix("check-")
        found[key] = item.locator(".badge").inner_text()
    return found


def test_the_qr_code_opens_a_page_where_every_check_passes(
    issue: Issue, site: Server, page: Page, browser: Browser
) -> None:
    issued = issue()
    [url] = qr_payloads(issued.pdf)
    assert url == f"{site.url}/verify/{issued.certificate.id}"

    response = page.goto(url)

    assert response is not None
    assert response.status == 200
    assert statuses(page) == {
        "record": "Passed",
        "pdf": "Passed",
        "key": "Passed",
        "attestation": "Passed",
        "revocation": "Passed",
        "verdict": "Passed",
    }
    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Verified certificate"
    assert page.get_by_role("heading", level=1).inner_text().endswith("Amélie Dubois")
    assert "linkedin.com/profile/add" in (
        page.get_by_role("link", name="Add to LinkedIn").get_attribute("href") or ""
    )
    og_title = page.locator('meta[property="og:title"]').get_attribute("content")
    assert og_title == "Amélie Dubois — Solidity Foundations Bootcamp"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "verify-desktop.png", full_page=True)
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        small = phone.new_page()
        small.goto(url)
        # Nothing wider than the phone: long hashes wrap instead of scrolling sideways.
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        small.screenshot(path=SCREENSHOTS / "verify-phone.png", full_page=True)
    finally:
        phone.close()


def _upload(page: Page, site: Server, name: str, data: bytes) -> None:
    page.goto(f"{site.url}/verify")
    page.get_by_label("Certificate PDF").set_input_files(
        files=[FilePayload(name=name, mimeType="application/pdf", buffer=data)]
    )
    page.get_by_role("button", name="Check file").click()


def test_uploading_the_genuine_pdf_matches(issue: Issue, site: Server, page: Page) -> None:
    issued = issue()
    _upload(page, site, "certificate.pdf", issued.pdf)

    assert page.get_by_role("heading", name="The file matches").is_visible()
    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Verified certificate"


def test_a_copy_with_one_byte_changed_matches_nothing(
    issue: Issue, site: Server, page: Page
) -> None:
    issued = issue()
    at = issued.pdf.index(b"/Author (certflow)") + len(b"/Author (certflo")
    tampered = issued.pdf[:at] + b"W" + issued.pdf[at + 1 :]

    _upload(page, site, "tampered.pdf", tampered)

    assert page.get_by_role("heading", name="Not a match").is_visible()
    assert "tampered.pdf does not match any certificate" in page.inner_text("main")


def test_a_revoked_certificate_says_so_with_date_and_reason(
    issue: Issue,
    site: Server,
    page: Page,
    settings: Settings,
    admin_database_url: str,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = issue()
    # Revoking is an admin command: it connects as the admin LOGIN user.
    for name, value in {**env_of(settings), "DATABASE_URL": admin_database_url}.items():
        monkeypatch.setenv(name, value)
    reason = "Plagiarised final project"
    result = CliRunner().invoke(
        main, ["revoke", str(issued.enrollment_id), "--reason", reason], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT command, arguments, outcome FROM admin_audit")).one()
    assert (audit.command, audit.outcome) == ("revoke", "ok")
    assert audit.arguments == {"enrollment_id": str(issued.enrollment_id), "reason": reason}

    page.goto(f"{site.url}/verify/{issued.certificate.id}")

    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Revoked certificate"
    assert statuses(page)["revocation"] == "Failed"
    assert statuses(page)["key"] == "Failed"  # the key was expired on the lock
    text = page.inner_text("#check-revocation")
    assert reason in text
    assert "Revoked on 20" in text
    assert page.get_by_role("link", name="Add to LinkedIn").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "verify-revoked.png", full_page=True)


def test_a_superseded_version_links_to_the_current_one(
    *,
    issue: Issue,
    site: Server,
    page: Page,
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> None:
    issued = issue(attest=False)
    page.goto(f"{site.url}/verify/{issued.certificate.id}")
    assert page.locator("#verdict-banner .verdict-label").inner_text() == (
        "Certificate being issued"
    )
    assert statuses(page)["attestation"] == "Pending"

    current, _ = complete_attestation(engine, settings, w3, lock_manager, dev_deployment, issued)
    page.goto(f"{site.url}/verify/{issued.certificate.id}")
    assert statuses(page)["record"] == "Note"
    page.get_by_role("link", name="See the current version of this certificate").click()

    assert page.url == f"{site.url}/verify/{current.id}"
    assert page.locator("#verdict-banner .verdict-label").inner_text() == "Verified certificate"


def test_an_unknown_id_shows_the_404_page(site: Server, page: Page) -> None:
    response = page.goto(f"{site.url}/verify/00000000-0000-0000-0000-000000000001")

    assert response is not None
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Certificate not found"
    assert page.get_by_label("Certificate id").is_visible()


def test_the_page_has_no_serious_accessibility_violations(
    issue: Issue, site: Server, browser: Browser
) -> None:
    issued = issue()
    # The page's CSP forbids every script; the test injects axe-core past it on purpose.
    context = browser.new_context(bypass_csp=True)
    try:
        checked = context.new_page()
        violations = []
        for path in (f"/verify/{issued.certificate.id}", "/verify"):
            checked.goto(site.url + path)
            checked.add_script_tag(path=AXE)
            results = checked.evaluate("async () => await axe.run()")
            violations += [
                f"{path}: {v['id']} ({v['impact']}): {v['help']}"
                for v in results["violations"]
                if v["impact"] in ("serious", "critical")
            ]
    finally:
        context.close()
    assert violations == []

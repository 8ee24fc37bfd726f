"""Issue 19, item 3, in Chromium: a name written with a right-to-left override reads the
same on the verify page as on the PDF (the page said "exe.pdf", the PDF "fdp.exe")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from render.extract import read_printed_fields
from tests.integration.web.conftest import Issue, Server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_page_shows_the_name_as_the_pdf_prints_it(
    issue: Issue, site: Server, page: Page
) -> None:
    issued = issue(name="Amélie \u202efdp.exe\x07")

    page.goto(f"{site.url}/verify/{issued.certificate.id}")
    heading = page.get_by_role("heading", level=1).inner_text()
    printed = read_printed_fields(issued.pdf).learner_name

    assert printed == "Amélie fdp.exe"
    assert heading.endswith(printed)
    assert "\u202e" not in page.content()

"""The verify page says which language a certificate version was printed in (issue 22):
the printed facts carry its ``lang`` and ``dir`` (right to left for Arabic), in the HTML and
in the JSON, while the page's own words stay the site's."""

from __future__ import annotations

import uuid

import requests
import sqlalchemy as sa

from certflow.settings import Settings
from db.ledger import LedgerKey
from issuance.certificates.certificate_pdf import render_certificate
from render.storage import ObjectStore
from tests.integration.web.conftest import Issue, Server


def test_a_version_printed_in_arabic_is_marked_right_to_left(
    issue: Issue, site: Server, engine: sa.Engine, settings: Settings
) -> None:
    first = issue()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE user_profiles SET certificate_locale = 'ar' WHERE id ="
                " (SELECT user_profile_id FROM bootcamp_enrollments WHERE id = :e)"
            ),
            {"e": first.enrollment_id},
        )
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    key = LedgerKey("rerender_certificate", f"test:{uuid.uuid4()}", None)
    second = render_certificate(
        engine, store, settings, first.enrollment_id, key, new_version=True
    ).certificate
    assert second is not None

    def fetched(cert_id: object) -> tuple[str, dict[str, object]]:
        html = requests.get(f"{site.url}/verify/{cert_id}", timeout=30).text
        body = requests.get(f"{site.url}/api/certificates/{cert_id}", timeout=30).json()
        return html, body["printed"]

    english_html, english = fetched(first.certificate.id)
    arabic_html, arabic = fetched(second.id)

    assert (english["locale"], english["dir"]) == ("en", "ltr")
    assert (arabic["locale"], arabic["dir"]) == ("ar", "rtl")
    assert '<span id="printed-name" lang="ar" dir="rtl">' in arabic_html
    assert '<span id="printed-name" lang="en" dir="ltr">' in english_html
    assert '<html lang="en">' in arabic_html  # the page's own words

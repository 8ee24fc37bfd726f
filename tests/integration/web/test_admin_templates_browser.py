"""Issuer templates on /admin in a real browser (Debian's Chromium driven by Playwright):
the templates and their versions, the newest version's preview image shown in the page,
a logo that is not an image refused with its reason, a new logo made a new version; a
viewer sees the page and has no upload form."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
import requests
import sqlalchemy as sa
from PIL import Image as PILImage
from playwright.sync_api import Browser, Page

from certflow.settings import Settings, load_settings
from chain.devnode import free_port
from db import seed
from issuance.certificates import template_admin
from render.storage import ObjectStore
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import admin_env

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PASSWORD = "correct horse battery staple"  # noqa: S105 - the admin_env test password


@pytest.fixture
def templates_site(
    web_database_url: str, admin_database_url: str, s3_server: S3Server, s3_bucket: str
) -> Iterator[Server]:
    env = {
        **admin_env(web_database_url, admin_database_url),
        "S3_ENDPOINT": s3_server.endpoint,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_BUCKET": s3_bucket,
    }
    with Server(load_settings(env), free_port()) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    yield context.new_page()
    context.close()


def png_bytes(size: tuple[int, int], colour: str) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def a_template(engine: sa.Engine, store: ObjectStore) -> UUID:
    with engine.begin() as conn:
        seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        made = template_admin.create(
            conn,
            store,
            "default",
            template_admin.TemplateInput(
                name="Navy and gold",
                logo=png_bytes((120, 60), "navy"),
                signatories=(template_admin.SignatoryInput("Grace Hopper", "Dean"),),
            ),
        )
        template_admin.assign(conn, "b1", made.template_id, "es")
    return made.template_id


def sign_in(page: Page, site: Server, name: str) -> None:
    page.goto(site.url + "/admin/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/admin")


def preview_width(page: Page, template_id: UUID) -> int:
    image = page.locator(f"#template-{template_id} img.preview")
    image.wait_for()
    width: int = page.wait_for_function(
        "img => img.complete && img.naturalWidth", arg=image.element_handle()
    ).json_value()
    return width


def test_templates_page_shows_the_preview_refuses_a_bad_logo_and_makes_a_new_version(
    templates_site: Server, page: Page, engine: sa.Engine, object_store: ObjectStore,
    s3_bucket: str, tmp_path: Path,
) -> None:  # fmt: skip
    store = ObjectStore.from_settings(templates_site.site.settings)
    assert store.bucket == s3_bucket
    template_id = a_template(engine, store)

    sign_in(page, templates_site, "ada")
    page.click("nav.admin >> text=Templates")
    cells = page.locator("#templates tbody tr td").all_inner_texts()
    assert cells[1:] == ["default", "Navy and gold", "v1", "b1"]
    assert preview_width(page, template_id) == 1123  # A4 landscape at 96 dpi, drawn
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-templates.png"), full_page=True)

    not_an_image = tmp_path / "logo.png"
    not_an_image.write_bytes(b"%PDF-1.7 this is not a logo")
    page.set_input_files(f"#template-{template_id} input[type=file]", str(not_an_image))
    with page.expect_response(lambda r: r.url.endswith("/logo")) as refused:
        page.click(f"#template-{template_id} button[type=submit]")
    assert refused.value.status == 400
    assert "logo refused: the file is not an image" in page.content()

    page.goto(templates_site.url + "/admin/templates")
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes((90, 90), "darkred"))
    page.set_input_files(f"#template-{template_id} input[type=file]", str(good))
    page.click(f"#template-{template_id} button[type=submit]")
    page.wait_for_url(templates_site.url + "/admin/templates")

    versions = page.locator(f"#template-{template_id} tr[data-version]")
    assert versions.evaluate_all("rows => rows.map(r => r.dataset.version)") == ["2", "1"]
    image = page.locator(f"#template-{template_id} img.preview")
    assert image.get_attribute("src") == f"/admin/templates/{template_id}/2/preview.png"
    assert preview_width(page, template_id) == 1123
    audit = rows(
        engine,
        "SELECT actor, via, command, outcome FROM admin_audit"
        " WHERE command <> 'admin sign-in' ORDER BY id",
    )
    assert [tuple(a) for a in audit] == [
        ("ada", "web", "templates update", "refused"),
        ("ada", "web", "templates update", "ok"),
    ]


def test_a_viewer_sees_templates_without_the_upload_form(
    templates_site: Server, page: Page, engine: sa.Engine, settings: Settings
) -> None:
    store = ObjectStore.from_settings(templates_site.site.settings)
    store.ensure_bucket()
    template_id = a_template(engine, store)

    anonymous = requests.get(
        f"{templates_site.url}/admin/templates/{template_id}/1/preview.png",
        allow_redirects=False,
        timeout=10,
    )
    sign_in(page, templates_site, "vic")
    page.goto(templates_site.url + "/admin/templates")

    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/admin/login")

    assert preview_width(page, template_id) == 1123
    assert page.locator("input[type=file]").count() == 0

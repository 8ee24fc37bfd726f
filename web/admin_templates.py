"""Issuer templates on the admin page: every template and its versions, the newest one's
preview (a PNG route, rendered once per version and locale), and a new logo as a new
version (checked like the CLI's: PNG or JPEG within the limits, or refused saying why)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from certflow.errors import AdminRefused
from db import templates
from db.engine import transaction
from issuance.certificates import template_admin
from render.images import MAX_IMAGE_BYTES
from render.storage import ObjectStore
from web.admin_auth import Admin
from web.admin_pages import AdminDep, AdminSiteDep, render
from web.admin_site import AdminSite

router = APIRouter(prefix="/admin/templates")
#: The form around the file (boundaries, headers, the CSRF token).
_FORM_OVERHEAD = 16 * 1024
_PREVIEWS_KEPT = 32


class _Previews:
    """PNG previews by (template, version, locale): a version never changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._png: OrderedDict[tuple[UUID, int, str], bytes] = OrderedDict()

    def get(self, key: tuple[UUID, int, str]) -> bytes | None:
        with self._lock:
            return self._png.get(key)

    def put(self, key: tuple[UUID, int, str], png: bytes) -> None:
        with self._lock:
            self._png[key] = png
            while len(self._png) > _PREVIEWS_KEPT:
                self._png.popitem(last=False)


PREVIEWS = _Previews()


def _store(admin_site: AdminSite) -> ObjectStore:
    settings = admin_site.settings
    return ObjectStore.from_settings(settings, region=settings.s3_region)


@router.get("")
def templates_page(request: Request, admin_site: AdminSiteDep, admin: AdminDep) -> Response:
    with transaction(admin_site.engine) as conn:
        listed = templates.listed(conn, None)
        versions = {t.id: templates.versions(conn, t.id, None) for t in listed}
    context = {"templates": listed, "versions": versions}
    return render(request, "admin_templates.html", context, admin)


@router.get("/{template_id}/{version}/preview.png")
def preview(
    template_id: UUID,
    version: int,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    locale: Annotated[str, Query(max_length=35)] = "en",
) -> Response:
    key = (template_id, version, locale)
    png = PREVIEWS.get(key)
    if png is None:
        try:
            with transaction(admin_site.engine) as conn:
                png = template_admin.preview(
                    conn, _store(admin_site), template_id, None, version, locale
                )
        except AdminRefused as exc:
            raise HTTPException(404, exc.user_message) from None
        PREVIEWS.put(key, png)
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=600"})


@router.post("/{template_id}/logo")
async def new_logo(
    template_id: UUID, request: Request, admin_site: AdminSiteDep, admin: AdminDep
) -> Response:
    """A new version of the template with this logo; refused (400) with the reason."""
    with admin_site.action(admin, "templates update", template_id=str(template_id)) as action:
        await _read_capped(request, MAX_IMAGE_BYTES + _FORM_OVERHEAD)
        async with request.form(max_files=1, max_fields=2) as form:
            admin_site.gate.check_csrf(request, str(form.get("csrf") or ""))
            upload = form.get("logo")
            if not isinstance(upload, UploadFile):
                raise AdminRefused("choose a PNG or JPEG logo to upload")
            data, filename = await upload.read(), upload.filename
        made = await run_in_threadpool(_update, admin_site, admin, template_id, data)
        action.done({**made, "logo_file": filename})
    return RedirectResponse("/admin/templates", status_code=303)


def _update(
    admin_site: AdminSite, admin: Admin, template_id: UUID, data: bytes
) -> dict[str, object]:
    given = template_admin.TemplateInput(logo=data)
    with transaction(admin_site.engine) as conn:
        return template_admin.update(conn, _store(admin_site), template_id, None, given).as_json()


async def _read_capped(request: Request, cap: int) -> None:
    """The body, refused past ``cap`` bytes (declared or received) before it is parsed:
    starlette spools files to disk with no limit of its own."""
    refusal = (
        f"logo refused: the upload is larger than the largest image accepted "
        f"({MAX_IMAGE_BYTES:,} bytes, 2 MB)"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise AdminRefused(refusal)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise AdminRefused(refusal)
    request._body = bytes(body)  # request.form() parses these bytes

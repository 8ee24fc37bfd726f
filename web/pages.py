"""The HTML pages: the verify page (the QR target), file check, lookup and download."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from issuance.verification.certificate_page import CertificatePage
from web.site import Site, site_of
from web.uploads import read_upload
from web.views import page_view

router = APIRouter()


def parse_id(value: str) -> UUID:
    """A certificate id from a URL; anything else is simply not found."""
    try:
        return UUID(value.strip())
    except ValueError:
        raise HTTPException(404, "no such certificate") from None


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/verify", status_code=307)


@router.get("/verify", response_class=HTMLResponse)
def lookup(request: Request, id: str | None = None) -> Response:
    """The lookup and file-check form; with ``?id=`` (the form submitted), that certificate."""
    if id:
        return RedirectResponse(f"/verify/{parse_id(id)}", status_code=303)
    return site_of(request).html(request, "lookup.html", {})


@router.get("/verify/{cert_id}", response_class=HTMLResponse)
def verify(request: Request, cert_id: str) -> Response:
    site = site_of(request)
    page = site.pages.page(parse_id(cert_id))
    if page is None:
        raise HTTPException(404, "no such certificate")
    return site.html(request, "verify.html", {"view": page_view(site.settings, page)})


@router.post("/verify", response_class=HTMLResponse)
async def check_file(request: Request) -> Response:
    """Compare an uploaded file's sha256 with every recorded certificate (the file is
    hashed as it arrives, up to MAX_UPLOAD_BYTES, held in memory for the signature
    check and never stored)."""
    site = site_of(request)
    upload = await read_upload(request, "file", site.settings.max_upload_bytes)
    page = await run_in_threadpool(_matching_page, site, upload.sha256)
    context = {
        "upload": {
            "name": upload.filename or "the file",
            "sha256": upload.sha256,
            "matched": page,
            "signature": await run_in_threadpool(site.pages.pdf_signature, upload.content),
        },
        "view": None if page is None else page_view(site.settings, page),
    }
    template = "verify.html" if page is not None else "lookup.html"
    return site.html(request, template, context, status_code=200)


def _matching_page(site: Site, digest: str) -> CertificatePage | None:
    row = site.pages.match(digest)
    return None if row is None else site.pages.page(row.id)


@router.get("/certificates/{cert_id}.pdf")
def download(request: Request, cert_id: str) -> Response:
    """A fresh presigned URL each time: links in emails never expire."""
    site = site_of(request)
    found = site.pages.download(parse_id(cert_id))
    if found is None:
        raise HTTPException(404, "no such certificate")
    response = RedirectResponse(site.pages.presigned_url(found), status_code=302)
    # The presigned URL itself expires: never let a cache keep it.
    response.headers["cache-control"] = "no-store"
    return response

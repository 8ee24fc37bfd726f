"""The admin pages' sign-in, the status overview and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from db import audit
from db.engine import transaction
from events.routes import QUEUES
from issuance.operations.overview import overview
from web.admin_auth import Admin
from web.admin_site import AdminSite, admin_site_of
from web.site import site_of

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/admin")
AdminSiteDep = Annotated[AdminSite, Depends(admin_site_of)]


def signed_in(request: Request, admin_site: AdminSiteDep) -> Admin:
    return admin_site.gate.require(request)


AdminDep = Annotated[Admin, Depends(signed_in)]


def render(
    request: Request, template: str, context: dict[str, Any], admin: Admin | None = None
) -> Response:
    gate = admin_site_of(request).gate
    context = {"admin": admin, "csrf": gate.csrf_token(request), **context}
    response = site_of(request).html(request, template, context)
    gate.keep_login_nonce(request, response)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/login")
def login_form(request: Request, admin_site: AdminSiteDep) -> Response:
    return render(request, "admin_login.html", {"message": None})


@router.post("/login")
def login(
    request: Request,
    admin_site: AdminSiteDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()],
) -> Response:
    admin_site.gate.check_csrf(request, csrf)
    address = request.client.host if request.client else "unknown"
    wait = admin_site.limits.admit(username, address)
    if wait is not None:
        log.warning("admin.login_limited", name=username, address=address, retry_after=wait)
        message = f"Too many sign-in attempts. Try again in {wait} seconds."
        return _refused(request, 429, message, wait)
    with admin_site.limits.hashing_slot() as slot:
        if not slot:
            log.warning("admin.login_busy", name=username, address=address)
            return _refused(request, 503, "Sign-in is busy. Try again in a moment.", 1)
        admin = admin_site.gate.login(username, password)
    admin_site.record_sign_in(admin.name if admin else username, address, admin is not None)
    if admin is None:
        log.warning("admin.login_refused", name=username, address=address)
        return _refused(request, 401, "Wrong name or password.")
    response = RedirectResponse("/admin", status_code=303)
    admin_site.gate.sign_in(request, response, admin)
    log.info("admin.signed_in", name=admin.name, role=admin.role, address=address)
    return response


def _refused(
    request: Request, status: int, message: str, retry_after: int | None = None
) -> Response:
    response = render(request, "admin_login.html", {"message": message})
    response.status_code = status
    if retry_after is not None:
        response.headers["retry-after"] = str(retry_after)
    return response


@router.post("/logout")
def logout(request: Request, admin_site: AdminSiteDep, csrf: Annotated[str, Form()]) -> Response:
    """Ends the session on the server: the cookie, or any copy of it, opens nothing after."""
    admin_site.gate.check_csrf(request, csrf)
    response = RedirectResponse("/admin/login", status_code=303)
    admin_site.gate.sign_out(request, response)
    return response


@router.get("")
def status(request: Request, admin_site: AdminSiteDep, admin: AdminDep) -> Response:
    picture = overview(admin_site.settings, admin_site.engine, QUEUES.values())
    return render(request, "admin_status.html", {"picture": picture}, admin)


@router.get("/audit")
def audit_list(
    request: Request,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    command: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
) -> Response:
    with transaction(admin_site.engine) as conn:
        entries = audit.entries(
            conn, command=command or None, actor=actor or None, outcome=outcome or None
        )
    filters = {"command": command or "", "actor": actor or "", "outcome": outcome or ""}
    return render(request, "admin_audit.html", {"entries": entries, "filters": filters}, admin)

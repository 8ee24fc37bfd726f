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
from web.admin_auth import Admin, check_csrf, csrf_token, sign_in
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
    context = {"admin": admin, "csrf": csrf_token(request), **context}
    response = site_of(request).html(request, template, context)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/login")
def login_form(request: Request, admin_site: AdminSiteDep) -> Response:
    return render(request, "admin_login.html", {"failed": False})


@router.post("/login")
def login(
    request: Request,
    admin_site: AdminSiteDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
) -> Response:
    check_csrf(request, csrf)
    admin = admin_site.gate.login(username, password)
    if admin is None:
        log.warning("admin.login_refused", name=username)
        response = render(request, "admin_login.html", {"failed": True})
        response.status_code = 401
        return response
    sign_in(request, admin)
    log.info("admin.signed_in", name=admin.name, role=admin.role)
    return RedirectResponse("/admin", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


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

"""The dead-letter console on the admin page: list with filters, show, dry run, then
replay or purge exactly the set the dry run showed (its audit row is the selection)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from certflow.errors import AdminRefused
from db.audit import Action
from db.dead_letters import Filters
from issuance.operations import dead_letters as letters
from web.admin_auth import Admin
from web.admin_pages import AdminDep, AdminSiteDep, render
from web.admin_site import AdminSite

router = APIRouter(prefix="/admin/dead-letters")
FILTERS = ("queue", "actor", "error", "older_than", "newer_than")
Field = Annotated[str, Form()]
Selection = Annotated[int, Form()]


def _filters(given: dict[str, str], ids: str = "") -> Filters:
    try:
        return Filters(
            ids=tuple(int(i) for i in ids.split(",") if i.strip()) or None,
            queue=given.get("queue") or None,
            actor=given.get("actor") or None,
            error=given.get("error") or None,
            older_than_seconds=_seconds(given.get("older_than")),
            newer_than_seconds=_seconds(given.get("newer_than")),
        )
    except (AdminRefused, ValueError) as exc:
        raise HTTPException(400, f"bad filter: {exc}") from None


def _seconds(text: str | None) -> float | None:
    return letters.parse_duration(text) if text else None


@router.get("")
def list_page(request: Request, admin_site: AdminSiteDep, admin: AdminDep) -> Response:
    given = {name: request.query_params.get(name, "") for name in FILTERS}
    rows = letters.list_letters(admin_site.engine, _filters(given), limit=500)
    return render(request, "admin_letters.html", {"letters": rows, "filters": given}, admin)


@router.get("/{letter_id}")
def show_page(
    request: Request, letter_id: int, admin_site: AdminSiteDep, admin: AdminDep
) -> Response:
    try:
        letter = letters.show(admin_site.engine, letter_id)
    except AdminRefused as exc:
        raise HTTPException(404, exc.user_message) from None
    return render(request, "admin_letter.html", {"letter": letter}, admin)


@router.post("/dry-run")
def dry_run(
    request: Request,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    csrf: Field,
    do: Annotated[str, Form(pattern="^(replay|purge)$")],
    ids: Field = "",
    queue: Field = "",
    actor: Field = "",
    error: Field = "",
    older_than: Field = "",
    newer_than: Field = "",
) -> Response:
    admin_site.gate.check_csrf(request, csrf)
    given = {"queue": queue, "actor": actor, "error": error}
    given |= {"older_than": older_than, "newer_than": newer_than}
    filters = _filters(given, ids)
    if filters == Filters():
        raise HTTPException(400, "Choose letters, or filter them, before a dry run.")
    command = letters.REPLAY if do == "replay" else letters.PURGE
    with admin_site.action(admin, command, changes=False, **filters.as_dict()) as action:
        result = _bulk(admin_site, action, filters, dry_run=True)
    context = {"do": do, "result": result, "selection": action.audit_id}
    return render(request, "admin_preview.html", context, admin)


@router.post("/replay")
def replay(
    request: Request, admin_site: AdminSiteDep, admin: AdminDep, csrf: Field, selection: Selection
) -> Response:
    admin_site.gate.check_csrf(request, csrf)
    with admin_site.action(admin, letters.REPLAY, selection=selection) as action:
        result = _bulk(admin_site, action, Filters(), selection=selection)
    return _done(request, admin, "replayed", result, action.audit_id)


@router.post("/purge")
def purge(
    request: Request,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    csrf: Field,
    selection: Selection,
    confirm: Field = "",
) -> Response:
    admin_site.gate.check_csrf(request, csrf)
    with admin_site.action(admin, letters.PURGE, selection=selection) as action:
        if confirm != "yes":
            raise AdminRefused("Tick the confirmation box to purge these dead letters.")
        result = _bulk(admin_site, action, Filters(), selection=selection, by=admin.name)
    return _done(request, admin, "purged", result, action.audit_id)


def _bulk(
    admin_site: AdminSite,
    action: Action,
    filters: Filters,
    *,
    selection: int | None = None,
    dry_run: bool = False,
    by: str | None = None,
) -> dict[str, Any]:
    engine = admin_site.engine

    def act(chosen: list[int]) -> list[int]:
        if by is not None:
            return letters.purge(engine, chosen, by)
        return letters.replay(engine, chosen)

    return letters.bulk(engine, action, filters, selection=selection, dry_run=dry_run, act=act)


def _done(
    request: Request, admin: Admin, verb: str, result: dict[str, Any], audit_id: int | None
) -> Response:
    context = {"verb": verb, "result": result, "audit_id": audit_id}
    return render(request, "admin_done.html", context, admin)

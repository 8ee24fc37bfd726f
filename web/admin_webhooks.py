"""Webhooks on the admin page: every endpoint, enabled or disabled and why, and the
deliveries, filtered by status, community or endpoint; a failed one has a replay button
(its form carries the session's CSRF token; the replay is audited, a viewer's refused)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from certflow.errors import AdminRefused, Refused
from db import webhooks as repository
from db.engine import transaction
from issuance.operations import webhooks
from web.admin_pages import AdminDep, AdminSiteDep, render

router = APIRouter(prefix="/admin/webhooks")
STATUSES = ("pending", "delivered", "failed")
LIMIT = 200


def _endpoint_filter(text: str) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        raise HTTPException(400, "bad filter: the endpoint is an id like 0b6c…-…") from None


@router.get("")
def webhooks_page(
    request: Request,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    status: str = "",
    community: str = "",
    endpoint: str = "",
) -> Response:
    if status and status not in STATUSES:
        raise HTTPException(400, f"bad filter: the status is one of {', '.join(STATUSES)}")
    endpoint_id = _endpoint_filter(endpoint.strip())
    with transaction(admin_site.engine) as conn:
        endpoints = webhooks.endpoint_views(
            conn, repository.list_endpoints(conn, community.strip() or None)
        )
        found = repository.list_deliveries(
            conn, community.strip() or None, endpoint_id, status or None, LIMIT
        )
    context = {
        "endpoints": endpoints,
        "deliveries": [webhooks.delivery_json(d) for d in found],
        "filters": {"status": status, "community": community, "endpoint": endpoint},
        "statuses": STATUSES,
        "limit": LIMIT,
    }
    return render(request, "admin_webhooks.html", context, admin)


@router.post("/deliveries/{delivery_id}/replay")
def replay(
    request: Request,
    admin_site: AdminSiteDep,
    admin: AdminDep,
    delivery_id: Annotated[str, Path(max_length=64)],
    csrf: Annotated[str, Form()],
) -> Response:
    admin_site.gate.check_csrf(request, csrf)
    with admin_site.action(admin, "webhooks replay", id=delivery_id) as action:
        with transaction(admin_site.engine) as conn:
            try:
                again = webhooks.replay(conn, delivery_id)
            except Refused as exc:
                raise AdminRefused(exc.user_message) from None
            if again is None:
                raise AdminRefused(f"no webhook delivery {delivery_id}")
        action.done(webhooks.delivery_json(again))
    context = {"delivery": action.result, "audit_id": action.audit_id}
    return render(request, "admin_webhook_replayed.html", context, admin)

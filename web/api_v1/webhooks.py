"""An app's webhook endpoints and their deliveries (API key of its community): register,
list, show, change (URL, events, enabled with a reason), delete, rotate the secret, send
a test event, list deliveries, replay a failed one.

Every statement runs as certflow_app under row-level security: another community's
endpoint or delivery id answers 404 exactly as an unknown one. A secret is in the
answer that made it, and nowhere else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Path, Query, Request, Response

from certflow.errors import Refused
from db import webhook_changes
from db import webhooks as repository
from db.webhooks import Delivery
from events.webhooks import create_test_delivery
from issuance.operations import webhooks
from web.api_v1.auth import App, AppCaller
from web.api_v1.context import api_of
from web.api_v1.errors import ApiError, not_found
from web.api_v1.models import (
    DEFAULT_OVERLAP_SECONDS,
    RotationBody,
    WebhookEndpointBody,
    WebhookEndpointChangeBody,
)

log = structlog.get_logger("certflow.api")
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

DeliveryId = Annotated[str, Path(min_length=1, max_length=64)]
Status = Literal["pending", "delivered", "failed"]
ENDPOINT_NOT_FOUND = "Webhook endpoint not found"
DELIVERY_NOT_FOUND = "Webhook delivery not found"
DISABLED_BY_APP = "Disabled through the API"


def _allow_private(request: Request) -> bool:
    return api_of(request).settings.webhook_allow_private


def _one(caller: AppCaller, endpoint_id: UUID) -> dict[str, Any]:
    found = repository.get_endpoint(caller.conn, endpoint_id)
    if found is None:
        raise not_found(ENDPOINT_NOT_FOUND)
    [shown] = webhooks.endpoint_views(caller.conn, [found])
    return shown


def _logged(event: str, caller: AppCaller, **fields: Any) -> None:
    log.info(event, community=caller.community_id, key_id=str(caller.key_id), **fields)


@router.get("/endpoints")
def list_endpoints(caller: App) -> dict[str, Any]:
    """The community's endpoints (never a secret)."""
    found = repository.list_endpoints(caller.conn)
    return {"endpoints": webhooks.endpoint_views(caller.conn, found)}


@router.post("/endpoints", status_code=201)
def register(request: Request, body: WebhookEndpointBody, caller: App) -> dict[str, Any]:
    """A new endpoint; the answer holds its secret (``whsec_…``), shown this once."""
    endpoint, secret = webhooks.register(
        caller.conn,
        caller.community_id,
        body.url,
        body.events,
        body.description,
        allow_private=_allow_private(request),
    )
    _logged("api.webhook_added", caller, endpoint_id=str(endpoint.id))
    return {**_one(caller, endpoint.id), "secret": secret}


@router.get("/endpoints/{endpoint_id}")
def show(endpoint_id: UUID, caller: App) -> dict[str, Any]:
    return _one(caller, endpoint_id)


@router.patch("/endpoints/{endpoint_id}")
def change(
    request: Request, endpoint_id: UUID, body: WebhookEndpointChangeBody, caller: App
) -> dict[str, Any]:
    """Change the URL, the events or the description; ``enabled`` false (with
    ``disabled_reason``) stops deliveries, true starts them again."""
    if body.disabled_reason is not None and body.enabled is not False:
        raise ApiError(400, "bad_request", "disabled_reason: only with enabled false")
    found = webhooks.change(
        caller.conn,
        endpoint_id,
        url=body.url,
        events=body.events,
        description=body.description,
        allow_private=_allow_private(request),
    )
    if found is None:
        raise not_found(ENDPOINT_NOT_FOUND)
    if body.enabled is False:
        repository.disable_endpoint(
            caller.conn, endpoint_id, body.disabled_reason or DISABLED_BY_APP
        )
    elif body.enabled is True:
        repository.enable_endpoint(caller.conn, endpoint_id)
    _logged("api.webhook_changed", caller, endpoint_id=str(endpoint_id), enabled=body.enabled)
    return _one(caller, endpoint_id)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete(endpoint_id: UUID, caller: App) -> Response:
    """The endpoint, its secrets and its deliveries."""
    if not webhook_changes.delete(caller.conn, endpoint_id):
        raise not_found(ENDPOINT_NOT_FOUND)
    _logged("api.webhook_deleted", caller, endpoint_id=str(endpoint_id))
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/rotate-secret")
def rotate_secret(
    endpoint_id: UUID, caller: App, body: RotationBody | None = None
) -> dict[str, Any]:
    """A new secret, shown this once; the old one is accepted ``overlap_seconds`` more
    (24 h by default): deliveries meanwhile carry both signatures."""
    overlap = timedelta(seconds=body.overlap_seconds if body else DEFAULT_OVERLAP_SECONDS)
    rotated = webhooks.rotate(caller.conn, endpoint_id, overlap)
    if rotated is None:
        raise not_found(ENDPOINT_NOT_FOUND)
    _logged("api.webhook_secret_rotated", caller, endpoint_id=str(endpoint_id))
    return rotated


@router.post("/endpoints/{endpoint_id}/test", status_code=202)
def send_test(endpoint_id: UUID, caller: App) -> dict[str, Any]:
    """Queue a ``webhook.test`` delivery to the endpoint (409 while it is disabled)."""
    try:
        endpoint = webhooks.testable(caller.conn, endpoint_id)
    except Refused as exc:
        raise ApiError(409, "conflict", exc.user_message) from None
    made = None if endpoint is None else create_test_delivery(caller.conn, endpoint_id)
    if made is None:
        raise not_found(ENDPOINT_NOT_FOUND)
    webhook_changes.queue(caller.conn, made.id)  # sent when the request's transaction commits
    _logged("api.webhook_test", caller, endpoint_id=str(endpoint_id), delivery_id=made.id)
    return _queued(made)


@router.get("/deliveries")
def list_deliveries(
    caller: App,
    endpoint: UUID | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The community's deliveries, newest first."""
    found = repository.list_deliveries(caller.conn, None, endpoint, status, limit)
    return {"deliveries": [webhooks.delivery_json(d) for d in found]}


@router.get("/deliveries/{delivery_id}")
def show_delivery(delivery_id: DeliveryId, caller: App) -> dict[str, Any]:
    """One delivery: its exact body and every attempt."""
    found = webhooks.delivery_detail(caller.conn, delivery_id)
    if found is None:
        raise not_found(DELIVERY_NOT_FOUND)
    return found


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
def replay(delivery_id: DeliveryId, caller: App) -> dict[str, Any]:
    """Send a failed delivery again: the same ``webhook-id`` and body (409 unless failed)."""
    try:
        again = webhooks.replay(caller.conn, delivery_id)
    except Refused as exc:
        raise ApiError(409, "conflict", exc.user_message) from None
    if again is None:
        raise not_found(DELIVERY_NOT_FOUND)
    _logged("api.webhook_replayed", caller, delivery_id=delivery_id)
    return _queued(again)


def _queued(delivery: Delivery) -> dict[str, Any]:
    return webhooks.delivery_json(delivery)

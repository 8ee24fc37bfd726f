"""One log line per API request (request id, the key's id, never the key, the community),
and the body size cap, as plain ASGI middleware (no task per request)."""

from __future__ import annotations

import json
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = "certflow.api"

#: A client's X-Request-ID is kept only when it is short and plain.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class TooLarge(Exception):
    pass


class RequestLog:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif not message.get("more_body", False):
                # Logged before the last byte leaves: whoever reads the answer finds its line.
                _log(scope, state, status, started)
            await send(message)

        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            await _too_large(sending, self.max_body)
            return
        try:
            await self.app(scope, _capped(receive, self.max_body), sending)
        except TooLarge:
            await _too_large(sending, self.max_body)


def _log(scope: Scope, state: dict[str, object], status: int, started: float) -> None:
    # A logger per line, not one cached at import: a later logging configuration (and
    # structlog.testing.capture_logs) applies to it.
    structlog.get_logger(LOGGER).info(
        "api.request",
        request_id=state["request_id"],
        method=scope["method"],
        path=scope["path"],
        status=status,
        ms=round((time.perf_counter() - started) * 1000, 2),
        key_id=state.get("key_id"),
        community=state.get("community"),
        caller=state.get("caller"),
    )


def _capped(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a body (chunked ones too) once it passes the limit."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge()
        return message

    return capped


async def _too_large(send: Send, limit: int) -> None:
    payload = json.dumps(
        {"error": "too_large", "message": f"The body is larger than {limit} bytes"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

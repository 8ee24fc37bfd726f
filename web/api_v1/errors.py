"""Every API error is JSON ``{"error": code, "message": text}`` with its status."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from certflow.errors import CertflowError, Duplicate, Refused

log = structlog.get_logger("certflow.api")

UNAVAILABLE = "This service is temporarily unavailable. Please try again in a minute."


class ApiError(Exception):
    """An answer other than 2xx, with the code and message the caller sees."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def unauthorized(message: str = "Unauthorized") -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def body(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return body(exc.status, exc.code, exc.message, exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    """A missing or malformed field: the source's "<field> required", or what is wrong."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    field = str(first.get("loc", ("", ""))[-1])
    if first.get("type") == "missing":
        return body(400, "bad_request", f"{field} required")
    if first.get("type") in ("json_invalid", "model_attributes_type", "dict_type"):
        return body(400, "bad_request", "The body must be a JSON object")
    return body(400, "bad_request", f"{field}: {first.get('msg', 'invalid')}")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return body(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))


async def _certflow(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CertflowError)
    if isinstance(exc, Duplicate):
        return body(409, "conflict", exc.user_message)
    if isinstance(exc, Refused):
        return body(400, "bad_request", exc.user_message)
    log.warning("api.unavailable", path=request.url.path, error=type(exc).__name__)
    return body(503, "unavailable", UNAVAILABLE, {"Retry-After": "30"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(CertflowError, _certflow)

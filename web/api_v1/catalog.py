"""The community's achievements catalog (API key): list, create, update, deactivate, with
0014's criteria validation and its messages. Global achievements are listed, never changed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from db import api as db_api
from web.api_v1.auth import App
from web.api_v1.errors import not_found
from web.api_v1.models import AchievementBody, AchievementChangeBody

router = APIRouter(tags=["achievements"])


@router.get("/achievements")
def catalog(caller: App, include_global: bool = True) -> dict[str, Any]:
    """The community's achievements, and the global ones (unless include_global=false)."""
    found = db_api.achievements(caller.conn, include_global=include_global)
    return {"achievements": [_shown(row) for row in found]}


@router.post("/achievements", status_code=201)
def create(body: AchievementBody, caller: App) -> dict[str, Any]:
    saved = db_api.save_achievement(caller.conn, None, body.model_dump())
    assert saved is not None  # a new row is always the caller's
    return _shown(saved)


@router.patch("/achievements/{achievement_id}")
def update(achievement_id: UUID, body: AchievementChangeBody, caller: App) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return _saved(db_api.save_achievement(caller.conn, achievement_id, changes))


@router.delete("/achievements/{achievement_id}")
def deactivate(achievement_id: UUID, caller: App) -> dict[str, Any]:
    """Deactivate: awards already made stay; the engine stops awarding it."""
    return _saved(db_api.save_achievement(caller.conn, achievement_id, {"is_active": False}))


def _saved(saved: dict[str, Any] | None) -> dict[str, Any]:
    if saved is None:
        raise not_found("Achievement not found")
    return _shown(saved)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, UUID) else value
        for key, value in row.items()
        if key != "criteria_type"
    }

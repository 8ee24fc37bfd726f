"""Webhook tests: a community with a learner and an enrollment, endpoints pointing at a
real local receiver, events written to the outbox as certflow writes them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from db import outbox, webhooks
from tests.fixtures.database import wait_until
from tests.integration.achievements import support as s
from tests.integration.webhooks.receiver import Receiver, receiving

COMMUNITY = "hooks"
#: What the delivery tests run with: local receivers, short retries and timeout.
WEBHOOK_ENV = {
    "WEBHOOK_ALLOW_PRIVATE": "true",
    "WEBHOOK_RETRY_SCHEDULE": "1s,1s,1s",
    "WEBHOOK_TIMEOUT_SECONDS": "3",
}


@dataclass(frozen=True)
class World:
    learner: UUID
    enrollment: UUID
    cohort: str


@pytest.fixture
def world(engine: sa.Engine) -> World:
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO communities (id, name) VALUES (:c, 'Hooks')"), {"c": COMMUNITY}
        )
    s.cohort(engine, "hooks-cohort", bootcamp="hooks-bootcamp", community=COMMUNITY)
    learner = s.learner(engine, community=COMMUNITY, name="Grace")
    return World(learner, s.enroll(engine, learner, "hooks-cohort"), "hooks-cohort")


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_retry_schedule": WEBHOOK_ENV["WEBHOOK_RETRY_SCHEDULE"],
            "webhook_timeout_seconds": 3.0,
        }
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def endpoint(
    engine: sa.Engine,
    receiver: Receiver,
    path: str,
    events: Sequence[str] = ("achievement.unlocked",),
) -> UUID:
    """An endpoint of the community at ``receiver`` + ``path``; the receiver knows its secret."""
    with engine.begin() as conn:
        found, secret = webhooks.create_endpoint(conn, COMMUNITY, receiver.url + path, events)
    receiver.secrets[path] = [secret]
    return found.id


def unlock(engine: sa.Engine, learner: UUID, n: int = 1) -> list[str]:
    """``n`` achievement.unlocked events for the learner, as the achievements rule writes them."""
    keys = []
    with engine.begin() as conn:
        for _ in range(n):
            achievement = uuid.uuid4()
            key = f"achievement.unlocked:{learner}:{achievement}"
            payload = {"user_profile_id": str(learner), "achievement_id": str(achievement)}
            outbox.emit(conn, "achievement.unlocked", {**payload, "code": "c", "points": 5}, key)
            keys.append(key)
    return keys


def deliveries(engine: sa.Engine, **where: object) -> list[sa.Row[object]]:
    clause = " AND ".join(f"{k} = :{k}" for k in where) or "true"
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(f"SELECT * FROM webhook_deliveries WHERE {clause} ORDER BY created_at"),
                where,
            )
        )


def wait_delivered(engine: sa.Engine, count: int, timeout: float = 30.0) -> None:
    wait_until(lambda: len(deliveries(engine, status="delivered")) >= count, timeout=timeout)


def body_of(raw: bytes) -> dict[str, object]:
    parsed = json.loads(raw)
    assert isinstance(parsed, dict)
    return parsed

"""The delivery engine in process (relay thread, dramatiq worker on real Redis) against a
real HTTP receiver: signatures, retries, 410, redirects, private addresses, rotation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from certflow.settings import Settings
from db import webhooks
from events.relay import Relay
from tests.fixtures.database import wait_until
from tests.integration.helpers import worker_process
from tests.integration.webhooks.conftest import (
    World,
    body_of,
    deliveries,
    endpoint,
    unlock,
    wait_delivered,
)
from tests.integration.webhooks.receiver import Receiver, always, fails_then


def _counted(outcome: str) -> float:
    """The worker's certflow_webhook_deliveries_total{outcome} (the worker runs in process)."""
    found = REGISTRY.get_sample_value("certflow_webhook_deliveries_total", {"outcome": outcome})
    return found or 0.0


@pytest.fixture
def pipeline(hook_settings: Settings, runtime: Any) -> Iterator[dramatiq.Worker]:
    """A relay and a `webhooks` worker with the test's webhook settings."""
    import threading

    relay = Relay(hook_settings, runtime.broker)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    with worker_process(hook_settings, "webhooks") as worker:
        yield worker
    relay.stop()
    thread.join(10)


def test_every_delivery_verifies_with_the_specifications_library(
    engine: sa.Engine, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    endpoint(engine, receiver, "/a")
    unlock(engine, world.learner, 3)
    wait_delivered(engine, 3)
    got = receiver.of("/a")
    assert len(got) == 3
    assert all(r.verified_by == (0,) for r in got)
    body = body_of(got[0].body)
    assert body["type"] == "achievement.unlocked"
    assert set(body) == {"type", "timestamp", "data"}
    data = body["data"]
    assert isinstance(data, dict)
    assert data["community_id"] == "hooks"
    assert data["learner_id"] == str(world.learner)
    assert "email" not in got[0].body.decode()
    assert {r.webhook_id for r in got} == {d.id for d in deliveries(engine)}


def test_500_twice_then_200_is_one_delivery_under_one_id(
    engine: sa.Engine, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    receiver.scripts["/flaky"] = fails_then(2, 500)
    endpoint(engine, receiver, "/flaky")
    before = {o: _counted(o) for o in ("retry", "delivered")}
    latencies = REGISTRY.get_sample_value("certflow_webhook_delivery_latency_seconds_count") or 0
    unlock(engine, world.learner)
    wait_delivered(engine, 1)
    wait_until(lambda: _counted("delivered") == before["delivered"] + 1)
    assert _counted("retry") == before["retry"] + 2
    assert REGISTRY.get_sample_value("certflow_webhook_delivery_latency_seconds_count") == (
        latencies + 1
    )
    got = receiver.of("/flaky")
    assert [r.status for r in got] == [500, 500, 200]
    assert len({r.webhook_id for r in got}) == 1
    assert all(r.verified_by == (0,) for r in got)
    (row,) = deliveries(engine)
    assert (row.status, row.attempts, row.id) == ("delivered", 3, got[0].webhook_id)
    with engine.connect() as conn:
        attempts = conn.execute(
            sa.text("SELECT status_code FROM webhook_attempts ORDER BY attempt")
        ).scalars()
        assert list(attempts) == [500, 500, 200]


def test_410_disables_the_endpoint_with_its_reason(
    engine: sa.Engine, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    receiver.scripts["/gone"] = always(410)
    hook = endpoint(engine, receiver, "/gone")
    unlock(engine, world.learner)
    wait_until(lambda: deliveries(engine)[0].status == "failed" if deliveries(engine) else False)
    with engine.connect() as conn:
        found = webhooks.get_endpoint(conn, hook)
    assert found is not None
    assert not found.enabled
    assert found.disabled_reason == "410 Gone from the endpoint"
    assert len(receiver.of("/gone")) == 1


def test_a_redirect_is_not_followed(
    engine: sa.Engine, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    receiver.scripts["/moved"] = always(302, {"location": receiver.url + "/target"})
    endpoint(engine, receiver, "/moved")
    unlock(engine, world.learner)
    wait_until(lambda: bool(deliveries(engine)) and deliveries(engine)[0].status == "failed")
    (row,) = deliveries(engine)
    assert row.last_status_code == 302
    assert "not followed" in row.last_error
    assert len(receiver.of("/moved")) == 4  # the first attempt and three retries
    assert receiver.of("/target") == []


def test_rotation_signs_with_both_secrets_during_the_overlap(
    engine: sa.Engine, world: World, receiver: Receiver, pipeline: dramatiq.Worker
) -> None:
    hook = endpoint(engine, receiver, "/r")
    with engine.begin() as conn:
        new = webhooks.rotate_secret(conn, hook)
    assert new is not None
    receiver.secrets["/r"].append(new)
    unlock(engine, world.learner)
    wait_delivered(engine, 1)
    (got,) = receiver.of("/r")
    # Each secret alone verifies it: an app that knows only the old or only the new one.
    assert got.verified_by == (0, 1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2


@pytest.fixture
def strict_pipeline(hook_settings: Settings, runtime: Any) -> Iterator[None]:
    """The pipeline as deployed: WEBHOOK_ALLOW_PRIVATE off."""
    import threading

    strict = hook_settings.model_copy(update={"webhook_allow_private": False})
    relay = Relay(strict, runtime.broker)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    with worker_process(strict, "webhooks"):
        yield
    relay.stop()
    thread.join(10)


def test_a_private_address_is_refused_without_allow_private(
    engine: sa.Engine, world: World, receiver: Receiver, strict_pipeline: None
) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    # A name resolving to 127.0.0.1 (checked at every attempt), and a literal one.
    for url in (f"https://localhost:{port}/name", f"https://127.0.0.1:{port}/literal"):
        with engine.begin() as conn:
            webhooks.create_endpoint(conn, "hooks", url, ["achievement.unlocked"])
    unlock(engine, world.learner)
    wait_until(lambda: len([d for d in deliveries(engine) if d.status == "failed"]) == 2)
    assert all("private address" in d.last_error for d in deliveries(engine))
    assert receiver.counts == {}

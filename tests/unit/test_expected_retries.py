"""Issue 19, item 16: an expected retry (BatchBusy and the other RetryLater control flow)
is logged at info in one line, never at error with a traceback, and is still retried;
an unexpected error keeps dramatiq's error log. On dramatiq's StubBroker with a real
Worker and certflow's retry policy."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import dramatiq
import pytest
import structlog
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage
from structlog.testing import capture_logs

from certflow.errors import BatchBusy
from certflow.settings import load_settings
from events.messages import IDEMPOTENCY_KEY
from workers import actors, policy
from workers.actors import _bind

Handler = Callable[[Any, dict[str, Any], Any], None]


@pytest.fixture
def broker() -> Iterator[StubBroker]:
    settings = load_settings({"MIN_BACKOFF_MS": "1", "MAX_BACKOFF_MS": "5", "MAX_RETRIES": "3"})
    made = StubBroker(middleware=[CurrentMessage(), policy.retries(settings)])
    made.emit_after("process_boot")
    yield made
    made.close()


def _run(broker: StubBroker, handler: Handler) -> None:
    actor: dramatiq.Actor[Any, None] = dramatiq.Actor(
        _bind(None, handler),  # type: ignore[arg-type]
        broker=broker,
        actor_name=handler.__name__,
        queue_name="default",
        priority=0,
        options=dict(policy.ACTOR_OPTIONS),
    )
    options: dict[str, Any] = {IDEMPOTENCY_KEY: "k1"}  # a message option, named by its constant
    actor.send_with_options(args=({},), **options)
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("default", fail_fast=False)
        worker.join()
    finally:
        worker.stop()


def test_a_busy_batch_is_one_info_line_and_is_retried(
    broker: StubBroker, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # capture_logs sees only loggers first used inside it: once an earlier test of the session
    # has configured certflow's logging (cache_logger_on_first_use), the actors' module logger
    # is cached with the real processors. A fresh one, first used below, is captured.
    monkeypatch.setattr(actors, "log", structlog.get_logger(actors.__name__))
    calls: list[int] = []

    def attest(rt: Any, payload: dict[str, Any], delivery: Any) -> None:
        calls.append(delivery.retries)
        if len(calls) == 1:
            raise BatchBusy()

    with capture_logs() as logs, caplog.at_level(logging.INFO):
        _run(broker, attest)

    assert calls == [0, 1]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not any(r.exc_info for r in caplog.records)
    [line] = [entry for entry in logs if entry["event"] == "actor.retry_later"]
    assert (line["log_level"], line["error_type"], line["actor"]) == ("info", "BatchBusy", "attest")
    assert line["reason"] == str(BatchBusy())


def test_an_unexpected_error_is_still_logged_as_an_error(
    broker: StubBroker, caplog: pytest.LogCaptureFixture
) -> None:
    def render(rt: Any, payload: dict[str, Any], delivery: Any) -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.INFO):
        _run(broker, render)

    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from certflow.logging import configure_logging
from certflow.settings import load_settings

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(load_settings({"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}), stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def test_json_lines_carry_context_and_hide_secrets(json_logs: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(idempotency_key="k1", enrollment_id="e1")
    try:
        structlog.get_logger("t").info(
            "claim_failed",
            error=f"bad key {DEV_KEY}",
            url="postgresql://bob:hunter2@db/x",
            tx_hash="0x" + "ab" * 32,
        )
    finally:
        structlog.contextvars.clear_contextvars()
    line = json.loads(json_logs.getvalue().strip().splitlines()[-1])
    assert line["event"] == "claim_failed"
    assert (line["idempotency_key"], line["enrollment_id"]) == ("k1", "e1")
    assert DEV_KEY not in line["error"]
    assert "hunter2" not in line["url"]
    assert line["tx_hash"] == "0x" + "ab" * 32


def test_below_level_events_are_dropped(json_logs: io.StringIO) -> None:
    structlog.get_logger("t").debug("noise")
    assert "noise" not in json_logs.getvalue()


@pytest.mark.parametrize("source", ["structlog", "stdlib"])
def test_tracebacks_are_redacted_too(json_logs: io.StringIO, source: str) -> None:
    """dramatiq logs a failed actor's exception through stdlib logging; both paths scrub it."""
    try:
        raise RuntimeError(f"cannot sign with {DEV_KEY} via postgresql://bob:hunter2@db/x")
    except RuntimeError:
        if source == "structlog":
            structlog.get_logger("t").exception("actor_failed")
        else:
            logging.getLogger("dramatiq.worker").exception("Failed to process message")
    output = json_logs.getvalue()
    assert (
        "RuntimeError: cannot sign with [redacted]"
        in json.loads(output.splitlines()[-1])["exception"]
    )
    assert DEV_KEY not in output
    assert "hunter2" not in output

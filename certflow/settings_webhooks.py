"""The webhook delivery engine's settings (issue 20), mixed into ``certflow.settings.Settings``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(duration: str) -> float:
    """``"5s"``, ``"5m"``, ``"2h"``, ``"1d"``, ``"250ms"`` in seconds."""
    found = _DURATION.match(duration)
    if found is None:
        raise ValueError("durations are a number and a unit (ms, s, m, h, d), e.g. 5s or 2h")
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def schedule(value: str) -> tuple[float, ...]:
    """A comma-separated list of durations, in seconds."""
    return tuple(seconds(part) for part in value.split(","))


def _schedule(value: str) -> str:
    steps = schedule(value)
    if not steps or any(step <= 0 for step in steps):
        raise ValueError("must be comma-separated positive durations, e.g. 5s,5m,30m")
    return value


def _duration(value: str) -> str:
    if seconds(value) <= 0:
        raise ValueError("must be a positive duration, e.g. 5d")
    return value


Schedule = Annotated[str, AfterValidator(_schedule)]
Duration = Annotated[str, AfterValidator(_duration)]


class WebhookSettings(BaseModel):
    """Delivery of signed webhooks (README "Webhooks")."""

    #: Retries after the first attempt (Standard Webhooks' schedule), each with +-20% jitter.
    webhook_retry_schedule: Schedule = Field(
        "5s,5m,30m,2h,5h,10h,10h", alias="WEBHOOK_RETRY_SCHEDULE"
    )
    #: One attempt's whole budget: connect, send, answer.
    webhook_timeout_seconds: float = Field(15.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0, le=60)
    #: Attempts in flight to one endpoint at most (isolation: a slow one holds no more threads).
    webhook_max_in_flight: int = Field(4, alias="WEBHOOK_MAX_IN_FLIGHT", gt=0, le=100)
    #: An endpoint failing without a success for this long is disabled.
    webhook_disable_after: Duration = Field("5d", alias="WEBHOOK_DISABLE_AFTER")
    #: Development and tests only: http URLs and private, loopback and link-local addresses.
    webhook_allow_private: bool = Field(False, alias="WEBHOOK_ALLOW_PRIVATE")

    @property
    def webhook_schedule(self) -> tuple[float, ...]:
        return schedule(self.webhook_retry_schedule)

    @property
    def webhook_disable_after_seconds(self) -> float:
        return seconds(self.webhook_disable_after)

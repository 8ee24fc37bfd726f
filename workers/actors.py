"""Every actor, for ``dramatiq workers.actors`` and for the relay's routing."""

from __future__ import annotations

from certflow.logging import configure_logging
from workers import runtime
from workers.broker import broker
from workers.completion import check_completion

# The dramatiq CLI imports this module in every worker process: log as certflow does.
configure_logging(runtime.current().settings)

__all__ = ["broker", "check_completion"]

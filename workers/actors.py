"""Every actor, for ``dramatiq workers.actors`` and for the relay's routing."""

from __future__ import annotations

from workers.broker import broker
from workers.completion import check_completion

__all__ = ["broker", "check_completion"]

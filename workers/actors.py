"""Every actor, for ``dramatiq workers.actors`` and for the relay's routing."""

from __future__ import annotations

from certflow.logging import configure_logging
from workers import runtime
from workers.attest import attest
from workers.broker import broker
from workers.claims import auto_claim
from workers.completion import check_completion
from workers.flags import SyncFlags
from workers.grant_key import grant_key
from workers.render import render_certificate

# Worker boot writes the feature flags that request_certificate_claim() reads.
broker.add_middleware(SyncFlags())

# The dramatiq CLI imports this module in every worker process: log as certflow does.
configure_logging(runtime.current().settings)

__all__ = [
    "attest",
    "auto_claim",
    "broker",
    "check_completion",
    "grant_key",
    "render_certificate",
]

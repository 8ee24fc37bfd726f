"""The worker process's entry point: ``dramatiq workers.main:setup``.

dramatiq's CLI imports this module in every worker process and calls
``setup``, which reads the settings from the environment (the process
boundary, the only place that does), builds the runtime and declares the
actors on its broker.
"""

from __future__ import annotations

import dramatiq
import structlog

from certflow.logging import configure_logging
from certflow.settings import load_settings
from workers.actors import declare_actors
from workers.metrics import add_prometheus
from workers.middleware.warm_up import WarmUp
from workers.runtime import Runtime


def setup() -> None:
    settings = load_settings()
    configure_logging(settings)
    if settings.webhook_allow_private:
        structlog.get_logger("certflow.webhooks").warning(
            "webhook_allow_private",
            message="WEBHOOK_ALLOW_PRIVATE=true: webhooks may go to http and private addresses"
            " (development and tests only)",
        )
    runtime = Runtime.build(settings)
    runtime.broker.add_middleware(WarmUp(runtime))
    declare_actors(runtime)
    add_prometheus(runtime.broker, settings)
    # The dramatiq CLI asks dramatiq for the broker after this returns.
    dramatiq.set_broker(runtime.broker)

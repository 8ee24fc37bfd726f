"""Keep the SQL functions' feature flags in step with this process's settings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from dramatiq.middleware import Middleware

from certflow.errors import CertflowError
from certflow.settings import Settings
from db import claims
from db.engine import transaction

log = structlog.get_logger("certflow.worker")


class SyncFlags(Middleware):
    """Writes BOOTCAMP_CERTIFICATES_ENABLED and AUTO_CLAIM to certificate_flags at boot.

    The app's request_certificate_claim() reads that row, since SQL cannot read
    the environment.
    """

    def __init__(self, settings: Settings, engine: sa.Engine) -> None:
        self.settings = settings
        self.engine = engine

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        try:
            with transaction(self.engine) as conn:
                claims.sync_flags(conn, self.settings)
        except CertflowError as exc:
            # The database may still be starting; the actors themselves do not need the row.
            log.warning("flags_not_synced", error=exc.user_message)

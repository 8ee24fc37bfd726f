"""``certflow web``: the site on uvicorn, with the checks a deployment needs at start."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from urllib.parse import urlsplit

import structlog
import uvicorn

from certflow.settings import Settings
from web.app import create_app
from web.site import Site

log = structlog.get_logger(__name__)

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 - names, not binds


def web_settings(settings: Settings) -> Settings:
    """The settings without the signer's key: the site never signs, so it never holds one."""
    key = settings.signer_private_key
    if (key is not None and key.get_secret_value()) or settings.signer_private_key_file:
        log.warning(
            "web.signer_key_ignored",
            message="SIGNER_PRIVATE_KEY is set for the web process; it is not needed and dropped."
            " Remove it from this process's environment.",
        )
    if settings.credential_signing_key is not None:
        log.warning(
            "web.credential_key_ignored",
            message="CREDENTIAL_SIGNING_KEY is set for the web process; it is not needed and"
            " dropped (the site reads the public keys from the database).",
        )
    return settings.model_copy(
        update={
            "signer_private_key": None,
            "signer_private_key_file": None,
            "credential_signing_key": None,
            "credential_signing_key_file": None,
            "pdf_signing_key_file": None,  # the certificate file stays: it validates uploads
        }
    )


def startup_warnings(settings: Settings) -> list[str]:
    """What is probably wrong with this deployment's public URLs (logged, not fatal)."""
    warnings = []
    parts = urlsplit(settings.verify_base_url)
    if (parts.hostname or "") in _LOCAL_HOSTS and not settings.is_dev_chain:
        warnings.append(
            f"VERIFY_BASE_URL points at localhost on chain {settings.chain_id}:"
            " QR codes printed now open a page nobody else can reach"
        )
    if not parts.path.rstrip("/").endswith("/verify"):
        warnings.append(
            "VERIFY_BASE_URL does not end in /verify, where this site serves certificates"
        )
    return warnings


def serve(settings: Settings, host: str, port: int) -> None:
    settings = web_settings(settings)
    for warning in startup_warnings(settings):
        log.warning("web.config", message=warning, verify_base_url=settings.verify_base_url)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it to the handler found
    # at start: exit 0 there, as every other certflow process does on SIGTERM.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    app = create_app(Site.build(settings))
    log.info("web.listening", host=host, port=port, verify_base_url=settings.verify_base_url)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        # X-Forwarded-* are the app's business (web/proxies.py: ADMIN_TRUSTED_PROXIES
        # only); uvicorn's own default would believe them from 127.0.0.1.
        proxy_headers=False,
        # Requests in flight get this long after SIGTERM; then connections are closed.
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)

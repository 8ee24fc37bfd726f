"""structlog, configured once: JSON for machines, console for people."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from certflow.settings import Settings

# A private key, URL credentials, an API key or a bearer token must never reach a log
# line, an error or a dead letter, whatever put them there (a provider quoting its URL).
_SECRET_PATTERNS = (
    (re.compile(r"0x[0-9a-fA-F]{64}(?![0-9a-fA-F])"), "[redacted]"),
    (re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]+(?=@)"), "[redacted]"),
    # apikey=..., api_key=..., access_token=..., token=... in a query or anywhere in text.
    (
        re.compile(
            r"(?i)\b((?:api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password"
            r"|passwd|key)=)[^&\s'\",;)]+"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
)
#: Everything after the host of an http(s) URL: hosted RPC providers put API keys there.
_URL_TAIL = re.compile(r"(?i)(https?://[^/\s'\"?#]+)[/?#][^\s'\"]*")
#: urllib3's "... with url: /v2/KEY (Caused by ...)": the path alone, host elsewhere.
_URL_PATH = re.compile(r"(?i)(\burl: )/[^\s'\"]*")
#: Fields whose values are public by nature: hashes and UIDs, and the verify URL that
#: every certificate's QR code prints.
_SAFE_HEX_KEYS = {
    "tx_hash", "attestation_uid", "schema_uid", "uid", "hash", "block_hash", "verify_base_url"
}  # fmt: skip


def redact_urls(text: str) -> str:
    """``text`` with the path and query of every URL in it replaced (they may hold API keys)."""
    return _URL_PATH.sub(r"\1[redacted]", _URL_TAIL.sub(r"\1/[redacted]", text))


def scrub(value: str) -> str:
    """``value`` without anything shaped like a secret (see the patterns above), and
    without the path and query of any URL."""
    for pattern, replacement in _SECRET_PATTERNS:
        value = pattern.sub(replacement, value)
    return redact_urls(value)


def redact_secrets(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask anything shaped like a private key or a password in a URL."""
    for key, value in event_dict.items():
        if isinstance(value, str) and key not in _SAFE_HEX_KEYS:
            event_dict[key] = scrub(value)
    return event_dict


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging (dramatiq, yoyo) through one renderer."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    structlog.configure(
        # Drop below-level events before any processor runs (actors log per message).
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            # Again after the traceback is text: an exception's message (a URL
            # with its password, a key in a failed call's arguments) is scrubbed too.
            redact_secrets,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

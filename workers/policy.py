"""The one failure policy: what is retried, what the final attempt is, what is dead-lettered.

Every actor gets it; nothing else decides. It reads only the error's type:
a ``PermanentError`` (bad input, missing configuration) is never retried and
is dead-lettered at once; anything else (a ``TransientError``, or an error
certflow did not foresee) is retried with exponential backoff up to
``MAX_RETRIES`` times and then dead-lettered with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dramatiq import Retry
from dramatiq.middleware import Retries

from certflow.errors import CertflowError, PermanentError
from certflow.logging import scrub
from certflow.settings import Settings
from events.messages import Delivery

#: Given to every actor: dramatiq fails these at once, without its retry warning.
ACTOR_OPTIONS: dict[str, Any] = {"throws": (PermanentError,)}


def cause(exc: BaseException) -> BaseException:
    """The error itself: an expected retry reaches dramatiq as its ``Retry``, raised
    from ours (``workers/actors.py``); policy and dead letters read ours."""
    if isinstance(exc, Retry) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def is_permanent(exc: BaseException) -> bool:
    return isinstance(cause(exc), PermanentError)


def retry_when(settings: Settings) -> Callable[[int, BaseException], bool]:
    """dramatiq's ``retry_when``: transient and unforeseen errors, until the budget is spent."""

    def should_retry(retries: int, exc: BaseException) -> bool:
        return not is_permanent(exc) and retries < settings.max_retries

    return should_retry


def retries(settings: Settings) -> Retries:
    """The Retries middleware with this policy and the settings' backoff."""
    return Retries(
        max_retries=settings.max_retries,
        min_backoff=settings.min_backoff_ms,
        max_backoff=settings.max_backoff_ms,
        retry_when=retry_when(settings),
    )


def is_retry(delivery: Delivery) -> bool:
    """A retry may finish a batch another run started, however recent, but only once
    that run is gone: the pass checks the batch's owner lock (``db/batches.py``), so
    a retry never sends a batch its live owner is still sending."""
    return delivery.retries > 0


def reason(exc: BaseException) -> str:
    """What an admin reads on the dead letter."""
    exc = cause(exc)
    text = exc.user_message if isinstance(exc, CertflowError) else str(exc)
    # Whatever the error quotes (a provider's URL, its API key, a token) stays out of it.
    return scrub(text) or type(exc).__name__

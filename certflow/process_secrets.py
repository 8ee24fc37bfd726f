"""Which secrets each process keeps: each process gets only the secrets it uses.

The CLI's process commands (``cli/processes.py``) drop the variables named
here from their own environment before they start a process that does not
sign, so neither its memory nor its children ever hold the key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

#: The signer's key, in either form. Only processes that sign transactions get it.
SIGNER_VARIABLES = ("SIGNER_PRIVATE_KEY", "SIGNER_PRIVATE_KEY_FILE")
#: Queues whose actors sign: a worker consuming none of them never sees the key.
SIGNING_QUEUES = frozenset({"chain"})


#: The credential and PDF signing keys: only the render worker (and admin commands) keep them.
CREDENTIAL_KEY_VARIABLES = (
    "CREDENTIAL_SIGNING_KEY",
    "CREDENTIAL_SIGNING_KEY_FILE",
    "PDF_SIGNING_KEY_FILE",
)


def needs_credential_key(queues: Collection[str]) -> bool:
    """Does a worker on ``queues`` (empty: every queue) sign credentials (the render actor)?"""
    return not queues or "render" in queues


def without_credential_key(environ: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k not in CREDENTIAL_KEY_VARIABLES}


def needs_signer(queues: Collection[str]) -> bool:
    """Does a worker on ``queues`` (empty: every queue) sign transactions?"""
    return not queues or bool(SIGNING_QUEUES & set(queues))


def without_signer(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` minus the signer's key: what the relay, the completion and the render
    workers run with, so neither their memory nor their children hold it."""
    return {name: value for name, value in environ.items() if name not in SIGNER_VARIABLES}

"""One exception tree for certflow.

Every error says in its type whether retrying can help (``transient``), so the
retry policy reads the type instead of parsing messages. The class docstring is
the default message; ``user_message`` is what a learner or admin is shown.
"""

from __future__ import annotations


class CertflowError(Exception):
    """Something went wrong in certflow."""

    #: Retrying the same work later may succeed (timeouts, a service down).
    transient: bool = False

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def user_message(self) -> str:
        return str(self)


class TransientError(CertflowError):
    """A dependency is unavailable for now; the work will be retried."""

    transient = True


class PermanentError(CertflowError):
    """The input or configuration is wrong; retrying cannot help."""


class ConfigError(PermanentError):
    """Configuration is missing or invalid."""


class DatabaseError(CertflowError):
    """A database operation failed."""


class DatabaseUnavailable(DatabaseError, TransientError):
    """The database is not answering."""


class BadEvent(PermanentError):
    """An event or message is malformed or refers to rows that do not exist."""


class ChainError(CertflowError):
    """A blockchain operation failed."""


class ChainUnavailable(ChainError, TransientError):
    """The RPC node did not answer in time."""


class StorageError(CertflowError):
    """An object storage operation failed."""


class StorageUnavailable(StorageError, TransientError):
    """Object storage is not answering."""


class RenderError(PermanentError):
    """The certificate cannot be rendered from these inputs."""


class ClaimRefused(PermanentError):
    """The certificate claim was refused."""


class CertificateInputError(PermanentError):
    """The enrollment's data cannot be certified (wallet or lock address)."""


class KeyGrantFailed(PermanentError):
    """Key grant failed."""


class KeyCheckUnavailable(ChainUnavailable):
    """Unable to verify certificate status. You may already have this certificate. Please check your wallet before retrying."""  # noqa: E501 - the source's message, verbatim


class AttestationFailed(PermanentError):
    """Certificate issued successfully. Attestation pending - retry available on your dashboard."""


class KeyNoLongerValid(PermanentError):
    """Key no longer exists - cannot attest"""


class BatchBusy(TransientError):
    """Another transaction holds this enrollment's row right now; the work is retried shortly."""

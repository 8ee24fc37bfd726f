"""One exception tree for certflow.

Every error that is raised is either a ``TransientError`` (retrying the same
work later may succeed: a service down, a timeout, a lock conflict) or a
``PermanentError`` (the input or configuration is wrong: retrying cannot
help). The failure policy (``workers/policy.py``) reads only that. Area bases
(``DatabaseError``, ``ChainError``, ``StorageError``) let callers catch an
area; they are never raised themselves.

The class docstring is the default message; ``user_message`` is what a
learner or admin is shown.
"""

from __future__ import annotations


class CertflowError(Exception):
    """Something went wrong in certflow."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def transient(self) -> bool:
        """Retrying the same work later may succeed."""
        return isinstance(self, TransientError)

    @property
    def user_message(self) -> str:
        return str(self)


class TransientError(CertflowError):
    """A dependency is unavailable for now; the work will be retried."""


class RetryLater(TransientError):
    """Expected control flow, not a failure: the work is retried shortly (logged at info,
    in one line, never as an error with a traceback)."""


class PermanentError(CertflowError):
    """The input or configuration is wrong; retrying cannot help."""


# ---------------------------------------------------------------- areas (never raised)


class DatabaseError(CertflowError):
    """A database operation failed."""


class ChainError(CertflowError):
    """A blockchain operation failed."""


class StorageError(CertflowError):
    """An object storage operation failed."""


# ------------------------------------------------------------------------ transient


class DatabaseUnavailable(DatabaseError, TransientError):
    """The database is not answering."""


class DatabaseMissing(DatabaseUnavailable):
    """The server answers but the database does not exist: `certflow migrate` creates it."""


class DatabaseConflict(DatabaseError, TransientError):
    """A deadlock or serialization failure: the transaction lost a race and is retried."""


class ChainUnavailable(ChainError, TransientError):
    """The RPC node did not answer in time."""


class ChainUnrecognised(ChainUnavailable):
    """The RPC node answered an error certflow does not recognise; retried (a bounded
    number of times, then dead-lettered), as a node's bad moment usually passes."""


class KeyCheckUnavailable(ChainUnavailable):
    """Unable to verify certificate status. You may already have this certificate. Please check your wallet before retrying."""  # noqa: E501 - the source's message, verbatim


class ChainBusy(ChainError, TransientError):
    """The node refused the transaction for now (rate limit, full txpool, fees); it is retried."""


class InsufficientFunds(ChainBusy):
    """The signer cannot pay for gas right now; the transaction waits for funds."""


class FeeTooLow(ChainBusy):
    """The transaction's fees are below what the node accepts now; it is replaced or waits."""


class FeeCeilingReached(ChainBusy):
    """Fees are above the configured ceiling; the transaction waits for them to fall."""


class NonceConflict(ChainBusy):
    """The nonce was used by a transaction certflow does not know; the intent is re-signed."""


class NotFinal(ChainUnavailable, RetryLater):
    """The transaction is mined but not yet CHAIN_CONFIRMATIONS blocks deep."""


class StorageUnavailable(StorageError, TransientError):
    """Object storage is not answering."""


class PdfSigningUnavailable(TransientError):
    """The timestamp authority (TSA_URL) could not be reached to timestamp a PDF signature."""


class BrokerUnavailable(TransientError):
    """Redis is not answering; the batch stays in the outbox."""


class RelayConnectionLost(TransientError):
    """The LISTEN connection dropped."""


class BatchBusy(RetryLater):
    """Another transaction holds this enrollment's row right now; the work is retried shortly."""


class AttestationBusy(BatchBusy):
    """An attestation batch holds this enrollment right now - try again in a few minutes."""


# ------------------------------------------------------------------------ permanent


class RateLimiterUnavailable(TransientError):
    """The rate limiter's store (Redis) is not answering."""


class Refused(PermanentError):
    """The database refused the request as it stands (a rule, a duplicate); the message says why."""


class Duplicate(Refused):
    """Something with that name already exists."""


class WebhookUrlRefused(Refused):
    """A webhook URL must be https and reach only public addresses."""


class ConfigError(PermanentError):
    """Configuration is missing or invalid."""


class DatabaseFailed(DatabaseError, PermanentError):
    """The database refused the statement."""


class SchemaOutOfDate(DatabaseFailed):
    """the database schema is missing or behind: run `certflow migrate`"""


class DatabaseNotCreated(ConfigError):
    """The database does not exist and this user may not create it."""


class ChainRejected(ChainError, PermanentError):
    """The node or a contract refused the transaction or call."""


class ChainReverted(ChainRejected):
    """The contract reverted: this transaction (or call) can never succeed as it is."""


class BatchTooLarge(ChainReverted):
    """The transaction needs more gas than a block holds; send fewer items at once."""


class StorageFailed(StorageError, PermanentError):
    """Object storage refused the request."""


class ObjectNotFound(StorageError, PermanentError):
    """The object does not exist in the bucket."""


class BadEvent(PermanentError):
    """An event or message is malformed or refers to rows that do not exist."""


class UnknownUser(BadEvent):
    """The event or call names a learner (user profile) certflow does not know."""


class RenderError(PermanentError):
    """The certificate cannot be rendered from these inputs."""


class ClaimRefused(PermanentError):
    """The certificate claim was refused."""


class CertificateInputError(PermanentError):
    """The enrollment's data cannot be certified (wallet or lock address)."""


class KeyGrantFailed(PermanentError):
    """Key grant failed."""


class AttestationFailed(PermanentError):
    """Certificate issued successfully. Attestation pending - retry available on your dashboard."""


class KeyNoLongerValid(PermanentError):
    """Key no longer exists - cannot attest"""


class AdminRefused(PermanentError):
    """The admin action was refused."""


class CredentialError(PermanentError):
    """The verifiable credential cannot be signed or read (a key, a context, a document)."""


# ---------------------------------------------------------------- control flow


class LostRace(Exception):
    """Another process committed the same intent first; use its result."""

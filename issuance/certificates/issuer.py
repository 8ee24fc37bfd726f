"""What a grant or attest pass needs: settings, the database, web3 clients and the sender."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
import structlog
from web3 import Web3

from certflow.errors import AttestationFailed, BatchBusy
from certflow.settings import Settings
from chain.logs import LogScan
from chain.rpc import make_web3, mine_block
from db import attestations, claims
from db.engine import transaction
from db.records import CertificateRecord
from issuance.transactions.sender import TransactionSender

log = structlog.get_logger("certflow.issuance")


@dataclass
class Issuer:
    settings: Settings
    engine: sa.Engine
    w3: Web3
    #: A client with the source's short timeout, for "does the learner hold a key?".
    check_w3: Web3
    sender: TransactionSender

    @classmethod
    def build(cls, settings: Settings, engine: sa.Engine) -> Issuer:
        w3 = make_web3(settings.rpc_url, settings.rpc_timeout_seconds)
        sender = TransactionSender.from_settings(
            settings,
            w3,
            engine,
            nudge=functools.partial(mine_block, w3) if settings.dev_mine_when_slow else None,
        )
        check_w3 = make_web3(settings.rpc_url, settings.key_check_timeout_seconds)
        return cls(settings, engine, w3, check_w3, sender)

    @property
    def scan(self) -> LogScan:
        """How log scans run: from deployment (or LOG_SCAN_START_BLOCK), in bounded chunks."""
        return LogScan(self.settings.log_scan_start_block, self.settings.log_scan_max_blocks)

    @property
    def key_manager(self) -> str:
        """The keys' manager: the lock manager, so learners cannot transfer certificates."""
        return self.settings.lock_manager_address or self.sender.signer.address


@dataclass(frozen=True)
class PassResult:
    """What one grant or attest pass did for the enrollment it was asked about."""

    outcome: str
    batch: str | None = None
    recorded: int = 0


def busy_or_batched(issuer: Issuer, enrollment_id: UUID, batch_column: str) -> PassResult:
    """Our row was skipped as locked: fine if another run batched it, else try again.

    A row stays locked briefly by more than batching: a concurrent claim that
    lost the race keeps its row lock until it commits.
    """
    with transaction(issuer.engine) as conn:
        row = claims.target(conn, enrollment_id, issuer.settings.batch_stale_seconds)
    if row is not None and getattr(row, batch_column) is not None:
        return PassResult("in_batch", getattr(row, batch_column))
    raise BatchBusy()


def fail_attest(
    issuer: Issuer, batch: str, members: Sequence[CertificateRecord], exc: Exception | str
) -> None:
    """Record that these members' attestation failed for good (either mode), with why."""
    with transaction(issuer.engine) as conn:
        attestations.record_attestation_failed(
            conn,
            [m.enrollment_id for m in members],
            AttestationFailed().user_message,
            str(exc),
            batch,
        )
    log.error("attestation_failed", batch=batch, size=len(members), error=str(exc))

"""The checks of the verification page, one function each, in the page's order.

Each returns a ``Step``: a status, one sentence, and the evidence (values the
site may link to an explorer by their ``kind``). Chain and storage reads go
through ``Reads`` and its cache; an outage is "unknown", a wrong value "fail".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from web3 import Web3

from certflow.errors import (
    CertflowError,
    CertificateInputError,
    ChainError,
    ChainReverted,
    ObjectNotFound,
    StorageError,
)
from certflow.settings import Settings
from chain.attestation import OnchainAttestation, get_attestation
from chain.lock import has_valid_key
from db.certificates import CertificateRow
from db.records import CertificateRecord
from db.revocations import Revocation
from issuance.certificates.records import completion_attestation
from issuance.verification import verification_checks as checks
from issuance.verification.read_cache import ReadCache
from render.storage import ObjectStore

PASS, FAIL, WARN, PENDING, UNKNOWN = "pass", "fail", "warn", "pending", "unknown"
T = TypeVar("T")


@dataclass(frozen=True)
class Evidence:
    label: str
    value: str
    #: "tx", "address", "attestation" or "certificate": what the site links the value to.
    kind: str | None = None
    #: A link made with the value (an off-chain attestation's share link), used as is.
    url: str | None = None


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    status: str
    summary: str
    evidence: tuple[Evidence, ...] = ()


def could_not_check(exc: CertflowError) -> bool:
    """The chain or the store failed to answer, whatever it said: the page says "could not
    check now", never "not verified". A revert or a missing object is an answer."""
    if exc.transient:
        return True
    return isinstance(exc, ChainError | StorageError) and not isinstance(
        exc, ChainReverted | ObjectNotFound
    )


class Unreachable(Exception):
    """A read could not be made now (control flow: the step says "unknown")."""


def record_step(row: CertificateRow, current: CertificateRow | None) -> Step:
    title = "Certificate record"
    evidence = [Evidence("Certificate id", str(row.id)), Evidence("Version", str(row.version))]
    if row.is_current:
        summary = f"Found: version {row.version}, the current version."
        return Step("record", title, PASS, summary, tuple(evidence))
    assert row.superseded_at is not None  # not current means superseded
    when = row.superseded_at.date().isoformat()
    if current is not None:
        evidence.append(Evidence("Current version", str(current.id), "certificate"))
        newer = f"version {current.version}"
    else:
        newer = "a newer version"
    summary = f"Found: version {row.version}, superseded on {when} by {newer}."
    return Step("record", title, WARN, summary, tuple(evidence))


def revocation_step(revocation: Revocation | None, offchain_revoke_tx: str | None = None) -> Step:
    title = "Not revoked"
    if revocation is None:
        return Step("revocation", title, PASS, "The issuer has not revoked this certificate.")
    when = revocation.revoked_at.date().isoformat()
    evidence = [Evidence("Revoked on", when), Evidence("Reason", revocation.reason)]
    if revocation.tx_hash:
        evidence.append(Evidence("Key expired in", revocation.tx_hash, "tx"))
    if offchain_revoke_tx:
        evidence.append(Evidence("Attestation revoked off chain in", offchain_revoke_tx, "tx"))
    summary = f"Revoked on {when}: {revocation.reason}"
    return Step("revocation", title, FAIL, summary, tuple(evidence))


class Reads:
    """The checks that read the store or the chain, through one cache."""

    def __init__(self, settings: Settings, store: ObjectStore, w3: Web3, cache: ReadCache) -> None:
        self.settings = settings
        self.store = store
        self.w3 = w3
        self.cache = cache

    def _read(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        try:
            return self.cache.get(key, load)
        except CertflowError as exc:
            if could_not_check(exc):
                raise Unreachable(type(exc).__name__) from exc
            raise

    def pdf_step(self, row: CertificateRow) -> Step:
        title = "PDF integrity"
        recorded = Evidence("Recorded sha256", row.sha256)

        def digest() -> str:
            return hashlib.sha256(self.store.get(row.object_key)).hexdigest()

        try:
            actual = self._read(("sha256", row.object_key), digest)
        except Unreachable:
            summary = "The certificate store could not be reached now."
            return Step("pdf", title, UNKNOWN, summary, (recorded,))
        except CertflowError as exc:
            summary = f"The stored PDF cannot be read ({type(exc).__name__})."
            return Step("pdf", title, FAIL, summary, (recorded,))
        if actual != row.sha256:
            summary = "The stored PDF's sha256 differs from the recorded one."
            return Step("pdf", title, FAIL, summary, (recorded, Evidence("Stored sha256", actual)))
        summary = "The stored PDF's sha256 equals the one recorded when it was issued."
        return Step("pdf", title, PASS, summary, (recorded,))

    def key_step(self, record: CertificateRecord, revocation: Revocation | None) -> Step:
        title = "Key on chain"
        lock, wallet = record.lock_address, record.wallet_address
        if not lock or not wallet:
            summary = "The learner has no wallet or the bootcamp no lock."
            return Step("key", title, FAIL, summary)
        evidence = [
            Evidence("Learner wallet", wallet, "address"),
            Evidence("Lock", lock, "address"),
            Evidence("Network (chain id)", str(self.settings.chain_id)),
        ]
        if record.certificate_tx_hash:
            evidence.append(Evidence("Key transaction", record.certificate_tx_hash, "tx"))
        try:
            valid = self._read(("key", lock, wallet), lambda: has_valid_key(self.w3, lock, wallet))
        except Unreachable:
            summary = "The chain could not be reached now, so the key was not checked."
            return Step("key", title, UNKNOWN, summary, tuple(evidence))
        except CertflowError as exc:
            summary = f"The key cannot be read ({type(exc).__name__})."
            return Step("key", title, FAIL, summary, tuple(evidence))
        if valid and revocation is not None:
            # Revoking one cohort's certificate keeps the key its other certificates rest on.
            summary = (
                "The learner's wallet still holds the bootcamp's key: it stands for their other"
                " certificates of this bootcamp. This certificate is revoked (see below)."
            )
            return Step("key", title, PASS, summary, tuple(evidence))
        if valid:
            summary = "The learner's wallet holds a valid key of the bootcamp's lock (read live)."
            return Step("key", title, PASS, summary, tuple(evidence))
        summary = "The learner's wallet holds no valid key of the bootcamp's lock."
        if revocation is not None:
            summary = "The issuer expired the learner's key when revoking the certificate."
        return Step("key", title, FAIL, summary, tuple(evidence))

    def attestation_step(self, row: CertificateRow, record: CertificateRecord) -> Step:
        title = "Attestation"
        uid = row.attestation_uid
        if uid is None:
            summary = "Pending: the attestation is not made yet."
            if record.certificate_attestation_uid and not row.is_current:
                summary = "This version was printed before the attestation; the current one has it."
            return Step("attestation", title, PENDING, summary)
        eas = str(self.settings.eas_contract_address)
        evidence = [Evidence("Attestation UID", uid, "attestation")]
        try:
            found = self._read(("attestation", uid), lambda: get_attestation(self.w3, eas, uid))
        except Unreachable:
            summary = "The chain could not be reached now, so the attestation was not checked."
            return Step("attestation", title, UNKNOWN, summary, tuple(evidence))
        except CertflowError as exc:
            summary = f"The attestation cannot be read ({type(exc).__name__})."
            return Step("attestation", title, FAIL, summary, tuple(evidence))
        if found is None:
            summary = f"EAS has no attestation {uid}."
            return Step("attestation", title, FAIL, summary, tuple(evidence))
        evidence += [
            Evidence("Schema", found.schema_uid),
            Evidence("Attester", found.attester, "address"),
        ]
        problems = self._attestation_problems(found, record)
        if problems:
            return Step("attestation", title, FAIL, "; ".join(problems), tuple(evidence))
        summary = "It exists, uses our schema, was made by our attester, and says what this does."
        return Step("attestation", title, PASS, summary, tuple(evidence))

    def _attestation_problems(
        self, found: OnchainAttestation, record: CertificateRecord
    ) -> list[str]:
        problems = []
        schema = str(self.settings.bootcamp_completion_schema_uid)
        if found.schema_uid.lower() != schema.lower():
            problems.append(f"schema {found.schema_uid} is not ours ({schema})")
        attester = str(self.settings.lock_manager_address)
        if not checks.same_address(found.attester, attester):
            problems.append(f"attester {found.attester} is not ours ({attester})")
        if found.revocation_time:
            problems.append("the attestation was revoked on chain")
        try:
            expected = completion_attestation(record)
        except CertificateInputError as exc:
            return [*problems, str(exc)]
        return problems + checks.attestation_mismatches(found, expected, record)

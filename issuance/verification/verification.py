"""Verify a certificate: its bytes against the database, its claims against the chain.

Each check is reported on its own, so ``certflow verify`` can say exactly what
failed. A check that cannot run because an earlier one failed (no attestation,
so no attester to compare) is reported as not checked rather than failed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

import sqlalchemy as sa
from web3 import Web3

from certflow.errors import CertflowError, CertificateInputError, ConfigError, RenderError
from certflow.settings import Settings
from chain.attestation import OnchainAttestation, get_attestation
from chain.lock import has_valid_key
from chain.transactions import Signer
from db import certificates, records, revocations
from db.certificates import CertificateRow
from db.engine import transaction
from db.records import CertificateRecord
from issuance.certificates.records import certificate_data, completion_attestation
from issuance.credentials.checks import check_credential
from issuance.verification import verification_checks as checks
from issuance.verification.offchain_verification import offchain_findings
from issuance.verification.printed_facts import printed_facts
from render.extract import PrintedFields, read_printed_fields
from render.signing import check_pdf_signature, trust_roots
from render.storage import ObjectStore

ON_RECORD = "certificate on record"
SHA256 = "sha256 matches the database"
CURRENT = "current version"
PRINTED = "printed values match the database"
VALID_KEY = "learner holds a valid key"
ATTESTATION = "attestation exists on chain"
ATTESTER = "attested by our attester"
SCHEMA = "attestation uses the V2 schema"
ATTESTED_VALUES = "attestation matches the certificate"
CREDENTIAL = "verifiable credential (proof, issuer DID, status, subject and evidence)"
PDF_SIGNATURE = "PDF signature (PAdES, validated by pyHanko)"
NOT_REVOKED = "not revoked by the issuer"
PROFILE = "printed facts recorded at issue"

T = TypeVar("T")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked, because a check it depends on failed
    detail: str


@dataclass
class Report:
    subject: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if check.ok is False]

    def add(self, name: str, ok: bool | None, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return bool(ok)


class Verifier:
    """Checks certificates against one deployment (database, bucket, chain)."""

    def __init__(
        self, settings: Settings, engine: sa.Engine, store: Callable[[], ObjectStore], w3: Web3
    ) -> None:
        """``store`` opens the object store: only a certificate id needs it (a file in hand
        is hashed and looked up without storage), so its credentials are asked for then."""
        settings.require("eas_contract_address", "bootcamp_completion_schema_uid")
        self.settings = settings
        self.engine = engine
        self.open_store = store
        self.w3 = w3
        self.attester = expected_attester(settings)

    def verify_id(self, cert_id: str) -> Report:
        """The stored object of certificate ``cert_id``, checked end to end."""
        report = Report(f"certificate {cert_id}")
        row = self._row(report, cert_id)
        if row is None:
            return report
        try:
            pdf = self.open_store().get(row.object_key)
        except CertflowError as exc:
            report.add(SHA256, False, f"cannot read the stored object: {exc}")
            return report
        digest = hashlib.sha256(pdf).hexdigest()
        detail = checks.sha_detail("stored object", digest, row.sha256)
        report.add(SHA256, digest == row.sha256, detail)
        self._check_contents(report, row, pdf)
        return report

    def verify_pdf(self, pdf: bytes, name: str) -> Report:
        """A PDF someone holds: found by the id printed on it, compared byte for byte."""
        report = Report(f"file {name}")
        try:
            printed = read_printed_fields(pdf)
        except CertflowError as exc:
            report.add(ON_RECORD, False, f"no certificate id can be read from the file: {exc}")
            return report
        row = self._row(report, printed.certificate_id)
        if row is None:
            return report
        digest = hashlib.sha256(pdf).hexdigest()
        report.add(SHA256, digest == row.sha256, checks.sha_detail("file", digest, row.sha256))
        self._check_contents(report, row, pdf)
        return report

    def _row(self, report: Report, cert_id: str) -> CertificateRow | None:
        try:
            parsed = UUID(cert_id)
        except ValueError:
            report.add(ON_RECORD, False, f"{cert_id!r} is not a certificate id")
            return None
        with transaction(self.engine) as conn:
            row = certificates.by_id(conn, parsed)
        if row is None:
            report.add(ON_RECORD, False, f"no certificate {parsed} in the database")
            return None
        report.add(ON_RECORD, True, f"version {row.version} of enrollment {row.enrollment_id}")
        return row

    def _check_contents(self, report: Report, row: CertificateRow, pdf: bytes) -> None:
        with transaction(self.engine) as conn:
            today = records.record(conn, row.enrollment_id)
            assert today is not None  # the row's foreign key keeps the enrollment
            # The same facts the page vouches for: what this version printed.
            facts = printed_facts(conn, self.settings, row, today)
            record = facts.record
            newest = certificates.current(conn, row.enrollment_id)
            revoked = revocations.by_enrollment(conn, row.enrollment_id)
            credential = check_credential(conn, self.settings, row, record, revoked)
        report.add(CURRENT, row.is_current, checks.current_detail(row, newest))
        report.add(NOT_REVOKED, revoked is None, checks.revocation_detail(revoked))
        # A note, not a failure: the certificate vouches for what it printed.
        report.add(PROFILE, True, facts.note())
        if credential.ok is not None:  # a version signed before credentials has none
            report.add(CREDENTIAL, credential.ok, credential.summary)
        self._check_signature(report, pdf)
        try:
            printed = read_printed_fields(pdf)
        except CertflowError as exc:
            report.add(PRINTED, False, f"cannot read the certificate: {exc}")
            return
        self._check_printed(report, row, record, printed)
        self._check_key(report, record)
        if printed.attestation_uid is not None and self._check_offchain(
            report, record, printed.attestation_uid
        ):
            return
        attestation = self._check_attestation(report, printed)
        if attestation is None:
            for name in (ATTESTER, SCHEMA, ATTESTED_VALUES):
                report.add(name, None, "not checked: no attestation")
            return
        self._check_attested(report, attestation, record, printed)

    def _check_signature(self, report: Report, pdf: bytes) -> None:
        """With PDF signing configured, the file must carry a signature our root trusts."""
        cert_file = self.settings.pdf_signing_cert_file
        if cert_file is None:
            return
        found = check_pdf_signature(pdf, trust_roots(cert_file))
        if found is None:
            report.add(PDF_SIGNATURE, False, "the file is not signed")
            return
        report.add(PDF_SIGNATURE, found.ok, found.summary())

    def _check_printed(
        self, report: Report, row: CertificateRow, record: CertificateRecord, printed: PrintedFields
    ) -> None:
        try:
            expected = certificate_data(self.settings, record, row.id)
        except RenderError as exc:
            report.add(PRINTED, False, f"the record cannot be printed: {exc}")
            return
        mismatches = checks.printed_mismatches(expected, row, printed)
        report.add(
            PRINTED,
            not mismatches,
            "; ".join(mismatches)
            or "id, name, bootcamp, chain, lock, key transaction and attestation UID",
        )

    def _check_key(self, report: Report, record: CertificateRecord) -> None:
        if not record.wallet_address or not record.lock_address:
            report.add(VALID_KEY, False, "the learner has no wallet or the bootcamp no lock")
            return
        lock, wallet = record.lock_address, record.wallet_address
        ok, detail = _on_chain(lambda: has_valid_key(self.w3, lock, wallet))
        report.add(
            VALID_KEY,
            ok is True,
            detail or f"{wallet} holds {'a' if ok else 'no'} valid key on lock {lock}",
        )

    def _check_offchain(self, report: Report, record: CertificateRecord, uid: str) -> bool:
        """Report the off-chain attestation's checks; False when ``uid`` is not off chain."""
        found = offchain_findings(self.settings, self.engine, self.w3, self.attester, record, uid)
        for finding in found or []:
            report.add(finding.name, finding.ok, finding.detail)
        return found is not None

    def _check_attestation(
        self, report: Report, printed: PrintedFields
    ) -> OnchainAttestation | None:
        uid = printed.attestation_uid
        if uid is None:
            report.add(ATTESTATION, False, "the certificate says the attestation is pending")
            return None
        eas = str(self.settings.eas_contract_address)
        found, detail = _on_chain(lambda: get_attestation(self.w3, eas, uid))
        if detail:
            report.add(ATTESTATION, False, detail)
            return None
        if not isinstance(found, OnchainAttestation):
            report.add(ATTESTATION, False, f"EAS {eas} has no attestation {uid}")
            return None
        if found.revocation_time:
            report.add(ATTESTATION, False, f"attestation {uid} was revoked")
            return None
        report.add(ATTESTATION, True, f"{uid} on EAS {eas}")
        return found

    def _check_attested(
        self,
        report: Report,
        attestation: OnchainAttestation,
        record: CertificateRecord,
        printed: PrintedFields,
    ) -> None:
        report.add(
            ATTESTER,
            checks.same_address(attestation.attester, self.attester),
            f"attester {attestation.attester}, expected {self.attester}",
        )
        expected_schema = str(self.settings.bootcamp_completion_schema_uid)
        report.add(
            SCHEMA,
            attestation.schema_uid.lower() == expected_schema.lower(),
            f"schema {attestation.schema_uid}, expected {expected_schema}",
        )
        try:
            expected = completion_attestation(record)
        except CertificateInputError as exc:
            report.add(ATTESTED_VALUES, False, f"the record cannot be attested: {exc}")
            return
        wrong = checks.attestation_mismatches(attestation, expected, record, printed)
        report.add(
            ATTESTED_VALUES,
            not wrong,
            "; ".join(wrong)
            or "cohort, bootcamp, learner address, completion date, XP and key transaction",
        )


def _on_chain(call: Callable[[], T]) -> tuple[T | None, str | None]:
    """The call's value, or the reason it failed (the node down is a failed check, not a crash)."""
    try:
        return call(), None
    except CertflowError as exc:
        return None, f"cannot check: {exc}"


def expected_attester(settings: Settings) -> str:
    """The attester our attestations carry: LOCK_MANAGER_ADDRESS, else the signer's address."""
    if settings.lock_manager_address:
        return settings.lock_manager_address
    if settings.signer_private_key is not None:
        return str(Signer.from_settings(settings).address)
    raise ConfigError("missing configuration: LOCK_MANAGER_ADDRESS (or SIGNER_PRIVATE_KEY)")

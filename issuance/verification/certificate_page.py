"""What the public verification page says about one certificate, check by check.

The checks run in the order a person would ask them (Blockcerts' verifier
shows named steps the same way): is there such a certificate, are the stored
bytes the recorded ones, does the learner hold the key on chain, does the
attestation say what the certificate says, was it revoked, and the verdict.
A check that cannot run now (the node or the store is down) is "unknown",
never a failure and never an exception: the page still shows what the
database knows. Chain and storage reads go through a brief cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from web3 import Web3

from certflow.errors import RenderError
from certflow.settings import Settings
from db import certificates, offchain, records, revocations
from db.certificates import CertificateRow
from db.engine import transaction
from db.offchain import StoredOffchain
from db.records import CertificateRecord
from db.revocations import Revocation
from issuance.credentials.checks import CredentialCheck, check_credential
from issuance.credentials.published import credential_path
from issuance.verification import offchain_page, page_checks
from issuance.verification.page_checks import FAIL, PASS, PENDING, UNKNOWN, WARN, Evidence, Step
from issuance.verification.printed_facts import PrintedFacts, printed_facts
from issuance.verification.read_cache import ReadCache
from render.signing import check_pdf_signature, trust_roots
from render.storage import ObjectStore

__all__ = ["CertificatePage", "CertificatePages", "Evidence", "Step"]

#: The verdicts, with the status of the verdict step and what it says.
VERDICTS = {
    "verified": (PASS, "Verified: every check passed."),
    "revoked": (FAIL, "Revoked by the issuer: this certificate is no longer valid."),
    "failed": (FAIL, "Not verified: a check failed."),
    "issuing": (
        PENDING,
        "Issuing: the certificate is not complete yet; the steps done so far pass.",
    ),
    "unconfirmed": (UNKNOWN, "Not confirmed now: the chain or the store could not be reached."),
    "superseded": (WARN, "An older version: every check passed, but a newer version replaces it."),
}


@dataclass(frozen=True)
class CertificatePage:
    certificate: CertificateRow
    record: CertificateRecord
    current: CertificateRow | None
    revocation: Revocation | None
    steps: tuple[Step, ...]
    verdict: str
    #: The version's verifiable credential, checked (None: it has none).
    credential: CredentialCheck | None = None
    #: What the version printed and what changed since (None only for pages built elsewhere).
    facts: PrintedFacts | None = None

    @property
    def chain_reachable(self) -> bool:
        return not any(step.status == UNKNOWN for step in self.steps)


@dataclass(frozen=True)
class Download:
    object_key: str
    filename: str


class CertificatePages:
    """Builds pages from one deployment's database, bucket and chain (read only)."""

    def __init__(
        self, settings: Settings, engine: sa.Engine, store: ObjectStore, w3: Web3, cache: ReadCache
    ) -> None:
        settings.require(
            "lock_manager_address", "eas_contract_address", "bootcamp_completion_schema_uid"
        )
        self.settings = settings
        self.engine = engine
        self.store = store
        self.reads = page_checks.Reads(settings, store, w3, cache)

    def page(self, cert_id: UUID) -> CertificatePage | None:
        """The certificate's page, or None when no certificate has this id."""
        with transaction(self.engine) as conn:
            row = certificates.by_id(conn, cert_id)
            if row is None:
                return None
            today = records.record(conn, row.enrollment_id)
            assert today is not None  # the certificate's foreign key keeps its enrollment
            # Every check below vouches for what this version printed, not today's profile.
            facts = printed_facts(conn, self.settings, row, today)
            record = facts.record
            current = certificates.current(conn, row.enrollment_id)
            revocation = revocations.by_enrollment(conn, row.enrollment_id)
            signed = offchain.by_uid(conn, row.attestation_uid) if row.attestation_uid else None
            credential = check_credential(conn, self.settings, row, record, revocation)
        steps = [
            page_checks.record_step(row, current),
            self.reads.pdf_step(row),
            self.reads.key_step(record, revocation),
            self.reads.attestation_step(row, record)
            if signed is None
            else offchain_page.offchain_step(self.reads, row, record, signed),
            page_checks.revocation_step(revocation, signed.revoke_tx_hash if signed else None),
        ]
        # A version signed before credentials (or without a key) has no step and no link.
        checked = None if credential.ok is None else credential
        if checked is not None:
            steps.append(credential_step(row.id, checked))
        verdict = _verdict(steps, row, revocation)
        status, summary = VERDICTS[verdict]
        steps.append(Step("verdict", "Verdict", status, summary))
        return CertificatePage(
            row, record, current, revocation, tuple(steps), verdict, checked, facts
        )

    def offchain(self, uid: str) -> StoredOffchain | None:
        """The stored off-chain attestation with this UID (what the site serves as JSON)."""
        with transaction(self.engine) as conn:
            return offchain.by_uid(conn, uid)

    def pdf_signature(self, pdf: bytes) -> tuple[bool, str] | None:
        """What a file's PAdES signature says, pyHanko's validation against our root:
        (all good, one sentence); None when this deployment does not sign PDFs."""
        cert_file = self.settings.pdf_signing_cert_file
        if cert_file is None:
            return None
        try:
            found = check_pdf_signature(pdf, trust_roots(cert_file))
        except RenderError:
            return False, "The file cannot be read as a PDF."
        if found is None:
            return False, "The file carries no signature of the issuer."
        return found.ok, f"Its signature: {found.summary()}."

    def match(self, sha256: str) -> CertificateRow | None:
        """The certificate whose recorded bytes have this digest (an uploaded file)."""
        with transaction(self.engine) as conn:
            return certificates.by_sha256(conn, sha256)

    def learner_certificates(
        self, user_profile_id: UUID
    ) -> list[tuple[CertificateRow, CertificateRecord, Revocation | None]]:
        """A learner's current certificates with their records and revocations."""
        with transaction(self.engine) as conn:
            rows = certificates.learner_current(conn, user_profile_id)
            today = {
                r.enrollment_id: r for r in records.records(conn, [r.enrollment_id for r in rows])
            }
            found = {
                r.enrollment_id: printed_facts(
                    conn, self.settings, r, today[r.enrollment_id]
                ).record
                for r in rows
            }
            revoked = {
                r.enrollment_id: revocations.by_enrollment(conn, r.enrollment_id) for r in rows
            }
        return [(row, found[row.enrollment_id], revoked[row.enrollment_id]) for row in rows]

    def download(self, cert_id: UUID) -> Download | None:
        """Where certificate ``cert_id``'s bytes are, and the file name to save them as."""
        with transaction(self.engine) as conn:
            row = certificates.by_id(conn, cert_id)
            today = None if row is None else records.record(conn, row.enrollment_id)
            if row is None or today is None:
                return None
            # Named after what the file prints, not the profile today.
            record = printed_facts(conn, self.settings, row, today).record
        return Download(row.object_key, download_filename(record, row))

    def presigned_url(self, download: Download) -> str:
        return self.store.presigned_url(download.object_key, download.filename)


def download_filename(record: CertificateRecord, row: CertificateRow) -> str:
    """``Certificate - <learner> - <bootcamp>.pdf``, with a version suffix after the first."""
    name = record.learner_name or "learner"
    title = " ".join(record.bootcamp_title.split())
    suffix = f" (v{row.version})" if row.version > 1 else ""
    # Path separators would be a directory in some clients' save dialogs.
    text = f"Certificate - {name} - {title}{suffix}".replace("/", "-").replace("\\", "-")
    return text + ".pdf"


def _verdict(steps: list[Step], row: CertificateRow, revocation: Revocation | None) -> str:
    statuses = {step.key: step.status for step in steps}
    if revocation is not None:
        return "revoked"
    if FAIL in statuses.values():
        return "failed"
    if statuses["attestation"] == PENDING and row.is_current:
        return "issuing"
    if UNKNOWN in statuses.values():
        return "unconfirmed"
    if not row.is_current:
        return "superseded"
    return "verified"


def credential_step(certificate_id: UUID, check: CredentialCheck) -> Step:
    """The step of a version that has a verifiable credential."""
    evidence = (Evidence("Open Badges 3.0 credential", credential_path(certificate_id)),)
    status = PASS if check.ok else FAIL
    return Step("credential", "Verifiable credential", status, check.summary, evidence)

"""Check a stored credential against its certificate, as the verify page and CLI do.

The proof (by a key the issuer's DID document lists), the issuer DID, the
status list (itself verified) against the revocations on record, and that the
subject, the evidence and the status entry are what the certificate says now,
rebuilt with the functions that built them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from certflow.errors import CertificateInputError, ConfigError, CredentialError
from certflow.settings import Settings
from db import credentials
from db.certificates import CertificateRow
from db.credentials import StoredCredential
from db.records import CertificateRecord
from db.revocations import Revocation
from issuance.credentials.credential import credential_url, evidence, site_url, subject
from issuance.credentials.identity import issuer_did, method_id
from issuance.credentials.multikey import public_key
from issuance.credentials.proof import proof_of, verify_proof
from issuance.credentials.status_list import Position, entry, revoked_in


@dataclass(frozen=True)
class CredentialCheck:
    #: None: this version has no credential (signed before credentials, or no key then).
    ok: bool | None
    summary: str
    problems: list[str] = field(default_factory=list)
    #: What the status list says (None when it could not be read).
    revoked: bool | None = None


def check_credential(
    conn: sa.Connection,
    settings: Settings,
    certificate: CertificateRow,
    record: CertificateRecord,
    revocation: Revocation | None,
) -> CredentialCheck:
    """Read the version's credential, the DID's keys and its status list; check them."""
    stored = credentials.by_certificate(conn, certificate.id)
    if stored is None:
        return CredentialCheck(None, "No verifiable credential was signed for this version.")
    keys = tuple(credentials.keys(conn))
    status = credentials.status_list(conn, stored.status_list)
    try:
        did = issuer_did(settings)
    except ConfigError as exc:
        return CredentialCheck(False, str(exc), [str(exc)])
    problems = list(_signature_problems(stored.document, did, keys, "credential"))
    document = _parsed(stored.document)
    if document is not None and not problems:
        problems += _content_problems(settings, document, stored, record, certificate)
    revoked: bool | None = None
    if status is None:
        problems.append(f"status list {stored.status_list} is not published")
    else:
        list_problems = _signature_problems(status.document, did, keys, "status list")
        problems += list_problems
        if not list_problems:
            revoked = revoked_in(json.loads(status.document), stored.status_index)
            if revoked != (revocation is not None):
                say = "revoked" if revoked else "not revoked"
                problems.append(f"the status list says {say}, the issuer's record does not")
    if problems:
        return CredentialCheck(False, "; ".join(problems), problems, revoked)
    state = "marks it revoked" if revoked else "does not mark it revoked"
    summary = (
        f"Signed by {did} (eddsa-rdfc-2022), it names this certificate's key, attestation "
        f"and PDF; its status list {state}."
    )
    return CredentialCheck(True, summary, [], revoked)


def _parsed(text: str) -> Mapping[str, Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, Mapping) else None


@functools.lru_cache(maxsize=4096)
def _signature_problems(text: str, did: str, keys: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Is ``text`` a document issued by ``did`` with a valid proof by one of ``keys``?

    A pure function of its arguments (the exact text, the DID, the listed keys), so the
    answer is kept: a page view re-checks a stored credential and its status list without
    canonicalising them again (about 10 ms of CPU) until one of them changes.
    """
    document = _parsed(text)
    if document is None:
        return (f"the {what} is not a JSON object",)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if issuer_id != did:
        return (f"the {what}'s issuer {issuer_id!r} is not {did}",)
    try:
        method = proof_of(document).get("verificationMethod")
        key = next((k for k in keys if method_id(did, k) == method), None)
        if key is None:
            return (f"the {what} is signed by {method!r}, which {did} does not list",)
        if not verify_proof(document, public_key(key)):
            return (f"the {what}'s proof does not verify",)
    except CredentialError as exc:
        return (f"the {what}: {exc}",)
    return ()


def _content_problems(
    settings: Settings,
    document: Mapping[str, Any],
    stored: StoredCredential,
    record: CertificateRecord,
    certificate: CertificateRow,
) -> list[str]:
    problems = []
    if document.get("id") != credential_url(settings, certificate.id):
        problems.append("its id is not this certificate's credential URL")
    try:
        if document.get("credentialSubject") != subject(settings, record):
            problems.append("its subject is not this certificate's learner and achievement")
    except CertificateInputError as exc:
        problems.append(str(exc))
    if document.get("evidence") != evidence(settings, record, certificate):
        problems.append("its evidence is not this certificate's key, attestation and PDF")
    position = Position(stored.status_list, stored.status_index)
    if document.get("credentialStatus") != entry(site_url(settings), position):
        problems.append("its status entry is not the one on record")
    return problems

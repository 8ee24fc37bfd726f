"""The verify page's attestation step for a certificate attested off chain.

The stored EAS off-chain attestation is checked as ``certflow verify`` checks
it (``issuance.verification.offchain_checks``); the chain reads (the EAS domain version,
``getTimestamp``, ``getRevokeOffchain``) go through the page's read cache, and
an unreachable node makes the step "unknown", never a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from certflow.errors import CertflowError, ChainRejected
from certflow.settings import Settings
from chain.anchoring import eas_version, get_revoke_offchain, get_timestamp
from chain.offchain_json import offchain_url
from db.certificates import CertificateRow
from db.offchain import StoredOffchain
from db.records import CertificateRecord
from issuance.verification.offchain_checks import Deployment, anchored_value, findings, parse
from issuance.verification.page_checks import (
    FAIL,
    PASS,
    UNKNOWN,
    Evidence,
    Reads,
    Step,
    Unreachable,
    could_not_check,
)

T = TypeVar("T")
TITLE = "Attestation (EAS off-chain)"


def json_path(uid: str) -> str:
    """Where the site serves the attestation as the EAS SDK's JSON package."""
    return f"/api/attestations/{uid}.json"


def explorer_link(settings: Settings, stored: StoredOffchain) -> str | None:
    """The EAS explorer's off-chain view (the SDK's share link), on EAS_EXPLORER_URL's host."""
    if not settings.eas_explorer_url:
        return None
    parts = urlsplit(settings.eas_explorer_url)
    try:
        return offchain_url(parse(stored), f"{parts.scheme}://{parts.netloc}")
    except ChainRejected:
        return None


def _read(reads: Reads, key: tuple[str, ...], load: Callable[[], T]) -> T:
    try:
        return reads.cache.get(key, load)
    except CertflowError as exc:
        if could_not_check(exc):
            raise Unreachable(type(exc).__name__) from exc
        raise


def _evidence(settings: Settings, stored: StoredOffchain) -> list[Evidence]:
    evidence = [
        Evidence("Off-chain attestation UID", stored.uid, url=explorer_link(settings, stored)),
        Evidence("Attestation JSON (EAS SDK)", json_path(stored.uid), url=json_path(stored.uid)),
        Evidence("Attester", stored.attester, "address"),
    ]
    if stored.merkle_root:
        evidence.append(Evidence("Merkle root (timestamped)", stored.merkle_root))
        evidence.append(Evidence("Proof path", " ".join(stored.merkle_proof or []) or "(the root)"))
    if stored.anchor_tx_hash:
        evidence.append(Evidence("UID anchored in", stored.anchor_tx_hash, "tx"))
    return evidence


def offchain_step(
    reads: Reads, row: CertificateRow, record: CertificateRecord, stored: StoredOffchain
) -> Step:
    settings, w3 = reads.settings, reads.w3
    eas, attester = str(settings.eas_contract_address), str(settings.lock_manager_address)
    evidence = tuple(_evidence(settings, stored))
    try:
        version = _read(reads, ("eas_version", eas), lambda: eas_version(w3, eas))
        value = anchored_value(stored)
        stamp = _read(reads, ("timestamp", value), lambda: get_timestamp(w3, eas, value))
        revoked = _read(
            reads,
            ("revoke_offchain", stored.uid),
            lambda: get_revoke_offchain(w3, eas, attester, stored.uid),
        )
    except Unreachable:
        summary = "The chain could not be reached now, so the anchoring was not checked."
        return Step("attestation", TITLE, UNKNOWN, summary, evidence)
    except CertflowError as exc:
        return Step("attestation", TITLE, FAIL, f"Cannot check ({type(exc).__name__}).", evidence)
    schema = str(settings.bootcamp_completion_schema_uid)
    dep = Deployment(eas, settings.chain_id, version, schema, attester)
    uid = row.attestation_uid or stored.uid
    bad = [f for f in findings(stored, dep, record, uid, stamp, revoked) if not f.ok]
    if bad:
        summary = "; ".join(f"{f.name}: {f.detail}" for f in bad)
        return Step("attestation", TITLE, FAIL, summary, evidence)
    summary = (
        "Signed by our attester (EIP-712), its UID is the EAS SDK's, the UID is timestamped"
        " on chain, and it says what this certificate says."
    )
    return Step("attestation", TITLE, PASS, summary, evidence)

"""The checks of an off-chain attestation, shared by ``certflow verify`` and the verify page.

Pure: the chain's answers (the EAS domain version, ``getTimestamp(uid)`` and
``getRevokeOffchain(attester, uid)``) are read by the caller, through its own
cache or error handling, and passed in. What is checked: the EIP-712
signature (by our attester, over our EAS deployment's domain), the UID (the
SDK's, recomputed from the signed fields, and the one the certificate
names), the timestamp on chain, and the decoded fields against the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from certflow.errors import CertificateInputError, ChainRejected
from chain import merkle
from chain.abi import checksum
from chain.attestation import OnchainAttestation
from chain.offchain import OffchainAttestation, offchain_uid, recover_signer
from chain.offchain_json import from_sdk_json
from db.offchain import StoredOffchain
from db.records import CertificateRecord
from issuance.certificates.records import completion_attestation
from issuance.verification import verification_checks as checks

SIGNATURE = "off-chain attestation signed by our attester (EIP-712 v2)"
UID = "off-chain UID is the EAS SDK's UID of the signed fields"
ANCHORED = "UID timestamped on chain (EAS getTimestamp)"
MERKLE = "UID is in the timestamped Merkle root (its proof path)"
SCHEMA = "attestation uses the V2 schema"
ATTESTED_VALUES = "attestation matches the certificate"
NOT_REVOKED = "not revoked off chain (EAS getRevokeOffchain)"


@dataclass(frozen=True)
class Deployment:
    """What an off-chain attestation of ours must name: our EAS, chain, schema and attester."""

    eas: str
    chain_id: int
    eas_version: str
    schema: str
    attester: str


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


def parse(stored: StoredOffchain) -> OffchainAttestation:
    """The stored package as an attestation; ChainRejected when it is not one."""
    return from_sdk_json(stored.package)


def as_attestation(att: OffchainAttestation, revoked_at: int = 0) -> OnchainAttestation:
    """The off-chain attestation in the shape EAS returns, so both modes compare fields alike."""
    return OnchainAttestation(
        uid=att.uid,
        schema_uid=att.schema,
        time=att.time,
        expiration_time=att.expiration_time,
        revocation_time=revoked_at,
        recipient=checksum(att.recipient),
        attester=att.signer,
        revocable=att.revocable,
        data=att.data,
    )


def signature_finding(att: OffchainAttestation, dep: Deployment) -> Finding:
    domain = (checksum(att.eas_address), att.chain_id, att.eas_version)
    ours = (checksum(dep.eas), dep.chain_id, dep.eas_version)
    if domain != ours:
        return Finding(SIGNATURE, False, f"signed for EAS {domain}, expected {ours}")
    try:
        signer = recover_signer(att)
    except ChainRejected as exc:
        return Finding(SIGNATURE, False, str(exc))
    ok = checks.same_address(signer, dep.attester)
    return Finding(SIGNATURE, ok, f"signer {signer}, expected {dep.attester}")


def uid_finding(att: OffchainAttestation, expected_uid: str) -> Finding:
    try:
        computed = offchain_uid(
            att.schema, att.recipient, att.time, att.expiration_time, att.revocable,
            att.ref_uid, att.data, att.salt, att.version,
        )  # fmt: skip
    except ChainRejected as exc:
        return Finding(UID, False, str(exc))
    ok = att.uid == computed and computed.lower() == expected_uid.lower()
    return Finding(UID, ok, f"{computed} computed, {att.uid} signed, {expected_uid} certified")


def anchored_value(stored: StoredOffchain) -> str:
    """What EAS timestamped for this attestation: its batch's Merkle root, or its UID."""
    return stored.merkle_root or stored.uid


def anchored_finding(stored: StoredOffchain, timestamp: int) -> Finding:
    what = f"Merkle root {stored.merkle_root}" if stored.merkle_root else stored.uid
    if timestamp == 0:
        return Finding(ANCHORED, False, f"EAS has no timestamp for {what}")
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()
    tx = f" by {stored.anchor_tx_hash}" if stored.anchor_tx_hash else ""
    return Finding(ANCHORED, True, f"{what} anchored at {when}{tx}")


def merkle_finding(stored: StoredOffchain, uid: str) -> Finding:
    root, proof = stored.merkle_root or "", stored.merkle_proof or []
    ok = merkle.verify(uid, proof, root)
    return Finding(
        MERKLE, ok, f"{len(proof)} proof nodes {'lead' if ok else 'do not lead'} to {root}"
    )


def field_findings(
    att: OffchainAttestation, dep: Deployment, record: CertificateRecord
) -> list[Finding]:
    schema_ok = att.schema.lower() == dep.schema.lower()
    found = [Finding(SCHEMA, schema_ok, f"schema {att.schema}, expected {dep.schema}")]
    try:
        expected = completion_attestation(record)
        wrong = checks.attestation_mismatches(as_attestation(att), expected, record)
    except (CertificateInputError, ChainRejected, ValueError) as exc:
        return [*found, Finding(ATTESTED_VALUES, False, f"cannot compare: {exc}")]
    detail = "; ".join(wrong) or "cohort, bootcamp, learner address, completion date, XP, key tx"
    return [*found, Finding(ATTESTED_VALUES, not wrong, detail)]


def revocation_finding(revoked_at: int) -> Finding:
    if revoked_at:
        when = dt.datetime.fromtimestamp(revoked_at, dt.UTC).isoformat()
        return Finding(NOT_REVOKED, False, f"revoked off chain at {when}")
    return Finding(NOT_REVOKED, True, "the attester has not revoked it")


def findings(
    stored: StoredOffchain,
    dep: Deployment,
    record: CertificateRecord,
    expected_uid: str,
    timestamp: int,
    revoked_at: int,
) -> list[Finding]:
    """Every check, in order; a package that does not parse fails the signature and stops."""
    try:
        att = parse(stored)
    except ChainRejected as exc:
        return [Finding(SIGNATURE, False, f"the stored attestation cannot be read: {exc}")]
    path = [merkle_finding(stored, att.uid)] if stored.merkle_root else []
    return [
        signature_finding(att, dep),
        uid_finding(att, expected_uid),
        *path,
        anchored_finding(stored, timestamp),
        *field_findings(att, dep, record),
        revocation_finding(revoked_at),
    ]

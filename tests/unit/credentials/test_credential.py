"""The OpenBadgeCredential certflow builds: every required field, the 1EdTech JSON Schema,
evidence that names the other proofs, a proof that verifies, and the issuer's DID."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certflow.errors import ConfigError
from certflow.settings import Settings, load_settings
from db.certificates import CertificateRow
from db.records import CertificateRecord
from issuance.credentials import credential, identity, multikey, proof, status_list

SCHEMA = Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_schema.json"
WALLET = "0x" + "2a" * 20
NOW = dt.datetime(2026, 3, 12, 15, 30, 5, tzinfo=dt.UTC)


def _settings(**extra: str) -> Settings:
    key = multikey.secret_multibase(Ed25519PrivateKey.generate())
    env = {"VERIFY_BASE_URL": "https://certs.example.org/verify", "CHAIN_ID": "8453"}
    return load_settings({**env, "CREDENTIAL_SIGNING_KEY": key, **extra})


def _record(**extra: Any) -> CertificateRecord:
    fields: dict[str, Any] = {
        "enrollment_id": uuid.uuid4(),
        "user_profile_id": uuid.uuid4(),
        "cohort_id": "c7",
        "cohort_name": "Cohort 7 — Lagos",
        "bootcamp_id": "b1",
        "bootcamp_title": "Solidity Foundations",
        "lock_address": "0x" + "11" * 20,
        "display_name": "Amélie",
        "wallet_address": WALLET,
        "completed_at": NOW,
        "total_xp": 450,
        "certificate_tx_hash": "0x" + "ab" * 32,
        "certificate_attestation_uid": "0x" + "5e" * 32,
    }
    return CertificateRecord(**{**fields, **extra})


def _row(record: CertificateRecord) -> CertificateRow:
    return CertificateRow(
        id=uuid.uuid4(),
        enrollment_id=record.enrollment_id,
        version=1,
        object_key="k",
        sha256=("0f" * 32),
        size_bytes=1000,
        attestation_uid=record.certificate_attestation_uid,
        rendered_at=NOW,
        superseded_at=None,
    )


def _signed(settings: Settings, record: CertificateRecord) -> dict[str, Any]:
    key = identity.require_issuer_key(settings)
    site = credential.site_url(settings)
    entry = status_list.entry(site, status_list.Position.of(131_075))
    unsigned = credential.open_badge(settings, record, _row(record), key.did, entry)
    return proof.add_proof(
        unsigned, key.private_key, key.verification_method, "2026-03-12T15:30:05Z", as_set=True
    )


def test_the_credential_validates_against_the_1edtech_achievement_credential_schema() -> None:
    signed = _signed(_settings(), _record())
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    assert [error.message for error in validator.iter_errors(signed)] == []


def test_the_schema_check_can_fail() -> None:
    """A credential without its required subject type fails the schema (the test has teeth)."""
    signed = _signed(_settings(), _record())
    signed["credentialSubject"] = {**signed["credentialSubject"], "type": ["Nope"]}
    schema = json.loads(SCHEMA.read_text())
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(signed))


def test_required_fields_name_the_issuer_learner_and_achievement() -> None:
    settings = _settings()
    signed = _signed(settings, _record())
    assert signed["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["issuer"]["id"] == "did:web:certs.example.org"
    assert signed["issuer"]["type"] == ["Profile"]
    assert signed["validFrom"] == "2026-03-12T15:30:05Z"
    subject = signed["credentialSubject"]
    assert subject["id"] == f"did:pkh:eip155:8453:{WALLET}"
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert set(achievement) >= {"id", "type", "name", "description", "criteria"}
    assert achievement["name"] == "Solidity Foundations — Cohort 7 — Lagos"
    assert signed["credentialStatus"] == {
        "id": "https://certs.example.org/credentials/status/1.json#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": "https://certs.example.org/credentials/status/1.json",
    }


def test_evidence_names_the_key_the_attestation_and_its_anchor_and_the_pdf_digest() -> None:
    record = _record(attestation_mode="offchain", anchor_tx_hash="0x" + "cd" * 32)
    signed = _signed(_settings(), record)
    ids = [item["id"] for item in signed["evidence"]]
    assert ids[:3] == [
        f"urn:eip155:8453:tx:0x{'ab' * 32}",
        f"urn:eas:8453:attestation:0x{'5e' * 32}",
        f"urn:eip155:8453:tx:0x{'cd' * 32}",
    ]
    pdf = signed["evidence"][3]
    assert pdf["id"].startswith("https://certs.example.org/certificates/")
    assert pdf["digestSRI"] == "sha256-" + base64.b64encode(bytes.fromhex("0f" * 32)).decode()


def test_the_proof_verifies_and_one_changed_field_does_not() -> None:
    settings = _settings()
    key = identity.require_issuer_key(settings)
    signed = _signed(settings, _record())
    assert proof.verify_proof(signed, key.private_key.public_key())
    signed["credentialSubject"]["id"] = f"did:pkh:eip155:8453:0x{'2b' * 20}"
    assert not proof.verify_proof(signed, key.private_key.public_key())


def test_the_issuer_did_comes_from_the_verify_host_with_its_port_encoded() -> None:
    assert identity.issuer_did(_settings(VERIFY_BASE_URL="http://localhost:8000/verify")) == (
        "did:web:localhost%3A8000"
    )
    assert identity.issuer_did(_settings(ISSUER_DID="did:web:badges.example.org")) == (
        "did:web:badges.example.org"
    )
    with pytest.raises(ConfigError, match="ISSUER_DID"):
        identity.issuer_did(_settings(ISSUER_DID="did:web:example.org:path:x"))


def test_the_did_document_lists_every_key_as_a_multikey_assertion_method() -> None:
    keys = [multikey.public_multibase(Ed25519PrivateKey.generate().public_key()) for _ in "ab"]
    document = identity.did_document("did:web:certs.example.org", keys)
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == keys
    assert all(k.startswith("z6Mk") for k in keys)
    assert document["assertionMethod"] == [f"did:web:certs.example.org#{k}" for k in keys]
    assert {m["type"] for m in document["verificationMethod"]} == {"Multikey"}


def test_a_bad_signing_key_is_named_never_echoed() -> None:
    secret = "z3u2NotAKeyAtAll"  # noqa: S105 - a test value
    with pytest.raises(ConfigError, match="CREDENTIAL_SIGNING_KEY") as raised:
        identity.issuer_key(_settings(CREDENTIAL_SIGNING_KEY=secret))
    assert secret not in str(raised.value)


def test_the_key_file_is_read(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "credential.key"
    path.write_text(multikey.secret_multibase(key) + "\n")
    settings = load_settings({"CREDENTIAL_SIGNING_KEY_FILE": str(path)})
    found = identity.require_issuer_key(settings)
    assert found.public_key_multibase == multikey.public_multibase(key.public_key())


def test_a_credential_signed_by_a_key_the_did_does_not_list_is_refused() -> None:
    """An attacker's own key, named under our DID, does not pass the check."""
    from issuance.credentials.checks import _signature_problems

    settings = _settings()
    ours = identity.require_issuer_key(settings)
    signed = json.dumps(_signed(settings, _record()))
    listed = (ours.public_key_multibase,)
    assert _signature_problems(signed, ours.did, listed, "credential") == ()

    forger = identity.IssuerKey(ours.did, Ed25519PrivateKey.generate())
    site = credential.site_url(settings)
    entry = status_list.entry(site, status_list.Position.of(0))
    record = _record()
    unsigned = credential.open_badge(settings, record, _row(record), ours.did, entry)
    forged = proof.add_proof(
        unsigned, forger.private_key, forger.verification_method, "2026-03-12T15:30:05Z"
    )
    [problem] = _signature_problems(json.dumps(forged), ours.did, listed, "credential")
    assert "which did:web:certs.example.org does not list" in problem
    [other] = _signature_problems(signed, "did:web:other.example", listed, "credential")
    assert "is not did:web:other.example" in other

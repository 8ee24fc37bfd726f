"""The eddsa-rdfc-2022 suite reproduces the W3C test vector byte for byte.

Data from w3c/vc-di-eddsa ``TestVectors/`` (see ``data/vc-di-eddsa/README.md``):
the same key, document and proof options must give the same canonical N-Quads,
the same hash data and the same ``proofValue``, or nothing we sign is trusted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from certflow.errors import CredentialError
from issuance.credentials import multikey, proof
from issuance.credentials.documents import Loader, local_loader

DATA = Path(__file__).parent / "data" / "vc-di-eddsa"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def _json(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def _text(name: str) -> str:
    return (DATA / name).read_text()


@pytest.fixture(scope="module")
def loader() -> Loader:
    return local_loader({EXAMPLES_V2: _json("examples-v2.jsonld")})


def test_the_key_pair_decodes_to_the_vectors_public_key() -> None:
    pair = _json("keyPair.json")
    key = multikey.secret_key(pair["privateKeyMultibase"])
    assert multikey.public_multibase(key.public_key()) == pair["publicKeyMultibase"]


def test_the_document_canonicalises_to_the_vectors_n_quads(loader: Loader) -> None:
    assert proof.canonicalize(_json("unsigned.json"), loader) == _text("canonDocDataInt.txt")


def test_the_proof_options_canonicalise_to_the_vectors_n_quads(loader: Loader) -> None:
    options = _json("proofConfigDataInt.json")
    assert proof.canonicalize(options, loader) == _text("proofCanonDataInt.txt")


def test_the_hash_data_is_the_vectors(loader: Loader) -> None:
    options = _json("proofConfigDataInt.json")
    expected = _text("combinedHashDataInt.txt").strip()
    assert proof.hash_data(_json("unsigned.json"), options, loader).hex() == expected


def test_signing_gives_the_vectors_proof_value_and_signed_document(loader: Loader) -> None:
    key = multikey.secret_key(_json("keyPair.json")["privateKeyMultibase"])
    options = _json("proofConfigDataInt.json")
    signed = proof.add_proof(
        _json("unsigned.json"), key, options["verificationMethod"], options["created"], loader
    )
    assert signed["proof"]["proofValue"] == _text("sigBTC58DataInt.txt").strip()
    assert signed == _json("signedDataInt.json")


def test_the_vectors_signed_document_verifies_and_a_changed_byte_does_not(loader: Loader) -> None:
    public = multikey.public_key(_json("keyPair.json")["publicKeyMultibase"])
    signed = _json("signedDataInt.json")
    assert proof.verify_proof(signed, public, loader) is True
    tampered = {**signed, "credentialSubject": {**signed["credentialSubject"]}}
    tampered["credentialSubject"]["alumniOf"] = "The School of Examplez"
    assert proof.verify_proof(tampered, public, loader) is False


def test_a_term_no_context_defines_is_refused_not_silently_dropped(loader: Loader) -> None:
    document = {**_json("unsigned.json"), "@context": ["https://www.w3.org/ns/credentials/v2"]}
    with pytest.raises(CredentialError, match="alumniOf"):
        proof.canonicalize(document, loader)


def test_a_context_without_a_local_copy_is_never_fetched() -> None:
    with pytest.raises(CredentialError, match="no local copy"):
        proof.canonicalize(_json("unsigned.json"))

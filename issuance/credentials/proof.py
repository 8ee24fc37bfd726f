"""The ``eddsa-rdfc-2022`` cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0).

Sign: canonicalise the proof options (with the document's ``@context``) and the
document without its proof with RDFC-1.0 (URDNA2015), hash each with SHA-256,
sign ``proofHash || documentHash`` with Ed25519, and write the signature as a
base58btc multibase ``proofValue``. Verify: the same, with the proof's own
options. ``tests/unit/credentials/test_vector.py`` reproduces the W3C test
vector byte for byte.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from certflow.errors import CredentialError
from issuance.credentials.documents import Loader, local_loader
from issuance.credentials.multikey import decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
_LOADER = local_loader()


def canonicalize(document: Mapping[str, Any], loader: Loader | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document.

    In "safe mode", as Digital Bazaar's verifiers are: a property that no context
    defines would be dropped from the signed data silently, so it is an error.
    """
    processor = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    try:
        nquads = processor.normalize(
            copy.deepcopy(dict(document)),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader or _LOADER,
            },
        )
    except jsonld.JsonLdError as exc:
        raise _reason(exc) from exc
    assert isinstance(nquads, str)
    return nquads


def _refuse_dropped(term: str | None) -> None:
    raise CredentialError(f"the term {term!r} is not defined by the document's contexts")


def _reason(exc: BaseException) -> CredentialError:
    """Our own error if one caused it (an unknown context), else pyld's innermost message."""
    message = str(exc)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CredentialError):
            return cause
        if isinstance(cause, jsonld.JsonLdError) and cause.args:
            message = str(cause.args[0])
        cause = cause.__cause__ or cause.__context__
    return CredentialError(f"the document cannot be canonicalised: {message}")


def hash_data(
    document: Mapping[str, Any], options: Mapping[str, Any], loader: Loader | None = None
) -> bytes:
    """``sha256(canonical proof options) || sha256(canonical document)``: what is signed."""
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    config = {name: value for name, value in options.items() if name != "proofValue"}
    config["@context"] = document["@context"]
    proof_hash = hashlib.sha256(canonicalize(config, loader).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured, loader).encode("utf-8")).digest()
    return proof_hash + document_hash


def proof_options(verification_method: str, created: str) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def add_proof(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    loader: Loader | None = None,
    *,
    as_set: bool = False,
) -> dict[str, Any]:
    """``document`` with a ``DataIntegrityProof`` by ``key`` (named ``verification_method``).

    ``as_set``: the proof as a one-element array, the form Open Badges 3.0's JSON
    Schema requires (VC Data Model 2.0 allows both; verifiers read both).
    """
    options = proof_options(verification_method, created)
    signature = key.sign(hash_data(document, options, loader))
    proof = {**options, "proofValue": encode_base58btc(signature)}
    return {**document, "proof": [proof] if as_set else proof}


def proof_of(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document's one ``eddsa-rdfc-2022`` proof; CredentialError when it has none."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, Mapping):
        raise CredentialError("the document has no single proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(f"the proof is not a {PROOF_TYPE} with {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError("the proof's purpose is not assertionMethod")
    return proof


def verify_proof(
    document: Mapping[str, Any], key: Ed25519PublicKey, loader: Loader | None = None
) -> bool:
    """Whether the document's proof is ``key``'s signature over the document as it is now."""
    proof = proof_of(document)
    value = proof.get("proofValue")
    if not isinstance(value, str):
        return False
    try:
        signature = decode_base58btc(value)
        key.verify(signature, hash_data(document, proof, loader))
    except (InvalidSignature, CredentialError):
        return False
    return True

"""The issuer's identity: a did:web DID, its DID document, and the signing key.

The DID is ``ISSUER_DID`` or ``did:web:`` + the host of ``VERIFY_BASE_URL``
(a port is written ``%3A``), so its document is served by the site at
``/.well-known/did.json``. Each key that ever signed is listed there as a
Multikey verification method named by its own ``publicKeyMultibase``
(``did:web:host#z6Mk…``): rotating the key adds a method and removes none,
so every credential signed before still verifies.

Only the process that signs (the render worker, and ``certflow revoke`` for the
status lists) is given ``CREDENTIAL_SIGNING_KEY``; the site learns the public
keys from Postgres, where the signer records each key the first time it uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certflow.errors import ConfigError, CredentialError
from certflow.settings import Settings
from issuance.credentials.multikey import public_multibase, secret_key

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
#: A did:web without a path: its document lives at /.well-known/did.json.
DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.\-]+(%3A[0-9]{1,5})?$")


def issuer_did(settings: Settings) -> str:
    """``ISSUER_DID``, else ``did:web:`` + VERIFY_BASE_URL's host (and port)."""
    if settings.issuer_did:
        did = settings.issuer_did
    else:
        netloc = urlsplit(settings.verify_base_url).netloc.rsplit("@", 1)[-1]
        did = "did:web:" + netloc.lower().replace(":", "%3A")
    if not DID_WEB.match(did):
        raise ConfigError("ISSUER_DID must be a did:web with a host only (did:web:example.org)")
    return did


def method_id(did: str, public_key_multibase: str) -> str:
    """The verification method id of a key: the DID and the key's multibase as fragment."""
    return f"{did}#{public_key_multibase}"


def did_document(did: str, public_keys: Iterable[str]) -> dict[str, Any]:
    """The DID document listing every key (``publicKeyMultibase``) that signed, oldest first."""
    methods = [
        {
            "id": method_id(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key,
        }
        for key in public_keys
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


@dataclass(frozen=True)
class IssuerKey:
    """The key that signs credentials now, and the DID it signs as."""

    did: str
    private_key: Ed25519PrivateKey

    @property
    def public_key_multibase(self) -> str:
        return public_multibase(self.private_key.public_key())

    @property
    def verification_method(self) -> str:
        return method_id(self.did, self.public_key_multibase)


def issuer_key(settings: Settings) -> IssuerKey | None:
    """The signing key from CREDENTIAL_SIGNING_KEY(_FILE); None when this process has none."""
    secret = settings.credential_signing_key
    if secret is None:
        return None
    try:
        key = secret_key(secret.get_secret_value())
    except CredentialError:
        # Never echo the value: name the variable and the expected form only.
        raise ConfigError(
            "CREDENTIAL_SIGNING_KEY is not an Ed25519 secretKeyMultibase (z3u2…); "
            "make one with `certflow credentials keygen`"
        ) from None
    return IssuerKey(issuer_did(settings), key)


def require_issuer_key(settings: Settings) -> IssuerKey:
    key = issuer_key(settings)
    if key is None:
        raise ConfigError("missing configuration: CREDENTIAL_SIGNING_KEY")
    return key

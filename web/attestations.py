"""Off-chain attestations as JSON: the EAS SDK's package, and what the site knows of it.

``/api/attestations/{uid}.json`` is the ``{sig, signer}`` package exactly as
signed, which EAS tools (the SDK's verifier, the explorer's import) take as
is; ``/api/attestations/{uid}`` adds its share link on the EAS explorer, where
and when its UID was anchored, and its off-chain revocation.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException

from db.offchain import StoredOffchain
from issuance.verification.offchain_page import explorer_link, json_path
from web.site import site_of

router = APIRouter(prefix="/api")

_UID = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _stored(request: Request, uid: str) -> StoredOffchain:
    found = site_of(request).pages.offchain(uid.lower()) if _UID.match(uid) else None
    if found is None:
        raise HTTPException(404, "no such off-chain attestation")
    return found


@router.get("/attestations/{uid}.json")
def package(request: Request, uid: str) -> dict[str, Any]:
    """The EAS SDK's ``AttestationShareablePackageObject``, byte for byte what was signed."""
    return _stored(request, uid).package


@router.get("/attestations/{uid}")
def attestation(request: Request, uid: str) -> dict[str, Any]:
    stored = _stored(request, uid)
    return {
        "uid": stored.uid,
        "attester": stored.attester,
        "package": stored.package,
        "json_url": json_path(stored.uid),
        "explorer_url": explorer_link(site_of(request).settings, stored),
        "anchor": None
        if stored.anchor_tx_hash is None or stored.anchored_at is None
        else {
            "tx_hash": stored.anchor_tx_hash,
            "block": stored.anchor_block,
            "timestamp": int(stored.anchored_at.timestamp()),
            "merkle_root": stored.merkle_root,
            "merkle_proof": stored.merkle_proof,
        },
        "revoked": None
        if stored.revoke_tx_hash is None or stored.revoked_at is None
        else {"tx_hash": stored.revoke_tx_hash, "timestamp": int(stored.revoked_at.timestamp())},
    }

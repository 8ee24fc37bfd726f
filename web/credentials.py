"""Portable credentials as anyone verifying fetches them: the issuer's DID document,
each certificate's Open Badges 3.0 credential, and the Bitstring Status Lists.

All three are public by design (the trust boundary's "anyone verifying" row);
the credential and the lists are served as the stored text, byte for byte
what was signed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from issuance.credentials import published
from web.pages import parse_id
from web.site import site_of

router = APIRouter()

#: VC Data Model 2.0's media type for a credential secured with an embedded proof.
VC_MEDIA_TYPE = "application/vc"


@router.get("/.well-known/did.json")
def did_document(request: Request) -> Response:
    site = site_of(request)
    document = published.issuer_document(site.engine, site.settings)
    return JSONResponse(
        document,
        media_type="application/did+json",
        headers={"cache-control": "public, max-age=300"},
    )


@router.get("/credentials/status/{list_id}.json")
def status_list(request: Request, list_id: str) -> Response:
    if not list_id.isdigit() or len(list_id) > 9:
        raise HTTPException(404, "no such status list")
    text = published.status_list_text(site_of(request).engine, int(list_id))
    if text is None:
        raise HTTPException(404, "no such status list")
    # Short: a revocation must reach verifiers soon.
    return Response(text, media_type=VC_MEDIA_TYPE, headers={"cache-control": "max-age=60"})


@router.get("/credentials/{cert_id}.json")
def credential(request: Request, cert_id: str) -> Response:
    text = published.credential_text(site_of(request).engine, parse_id(cert_id))
    if text is None:
        raise HTTPException(404, "no credential for this certificate")
    return Response(text, media_type=VC_MEDIA_TYPE)

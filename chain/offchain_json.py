"""Off-chain attestations in the EAS SDK's JSON shapes, and the explorer's share link.

Three shapes, all from ``@ethereum-attestation-service/eas-sdk`` 2.10:

- ``SignedOffchainAttestation`` (what ``signOffchainAttestation`` returns and
  ``verifyOffchainAttestationSignature`` takes): ``to_sdk_json``;
- ``AttestationShareablePackageObject`` (``{sig, signer}``), what EAS tools
  pass around and download: ``to_package``;
- the explorer link of ``createOffchainURL``: the package compacted to an
  array, JSON, zlib-deflated, base64, URI-escaped: ``offchain_url``.

The SDK holds chainId, time and expirationTime as bigints; JSON cannot, and
the SDK's own serializer writes them as decimal strings, so these do too.
Both strings and numbers are read back.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any
from urllib.parse import quote, unquote

from certflow.errors import ChainRejected
from chain.abi import ZERO_ADDRESS
from chain.offchain import (
    DOMAIN_NAME,
    PRIMARY_TYPE,
    ZERO_UID,
    OffchainAttestation,
    attest_types,
    recover_signer,
)

#: The path ``createOffchainURL`` builds; prefix it with the chain's explorer.
URL_PATH = "/offchain/url/#attestation="
#: encodeURIComponent leaves these unescaped besides letters and digits.
_URI_SAFE = "-_.!~*'()"


def to_sdk_json(att: OffchainAttestation) -> dict[str, Any]:
    """The SDK's ``SignedOffchainAttestation``, keys in the order the SDK builds them."""
    message = att.message()
    message["time"] = str(att.time)
    message["expirationTime"] = str(att.expiration_time)
    domain = att.domain()
    domain["chainId"] = str(att.chain_id)
    return {
        "version": att.version,
        "uid": att.uid,
        "domain": domain,
        "primaryType": PRIMARY_TYPE,
        "message": message,
        "types": attest_types(),
        "signature": {"v": att.v, "r": att.r, "s": att.s},
    }


def to_package(att: OffchainAttestation) -> dict[str, Any]:
    """The SDK's ``AttestationShareablePackageObject``: the signed attestation and its signer."""
    return {"sig": to_sdk_json(att), "signer": att.signer}


def from_sdk_json(obj: dict[str, Any]) -> OffchainAttestation:
    """An attestation from a ``SignedOffchainAttestation`` or a ``{sig, signer}`` package.

    A bare signed attestation names no signer: it is recovered from the
    signature. Whether that signer is the expected one is ``verify_offchain``'s call.
    """
    try:
        sig = obj.get("sig", obj)
        _check_shape(sig)
        message, domain, signature = sig["message"], sig["domain"], sig["signature"]
        att = OffchainAttestation(
            eas_address=str(domain["verifyingContract"]),
            chain_id=_int(domain["chainId"]),
            eas_version=str(domain["version"]),
            schema=str(message["schema"]),
            recipient=str(message["recipient"]),
            time=_int(message["time"]),
            expiration_time=_int(message["expirationTime"]),
            revocable=_bool(message["revocable"]),
            ref_uid=str(message["refUID"]),
            data=bytes.fromhex(str(message["data"]).removeprefix("0x")),
            salt=str(message["salt"]),
            uid=str(sig["uid"]),
            signer=str(obj.get("signer", "")),
            r=str(signature["r"]),
            s=str(signature["s"]),
            v=_int(signature["v"]),
            version=_int(message["version"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ChainRejected(f"not an EAS off-chain attestation: {exc!r}") from exc
    if not att.signer:
        att = _with_signer(att, recover_signer(att))
    return att


def _check_shape(sig: dict[str, Any]) -> None:
    # Only version 2 is made or read here; the SDK's verifier compares these too.
    if sig.get("primaryType") != PRIMARY_TYPE or sig.get("types") != attest_types():
        raise ChainRejected("not a version-2 EAS off-chain attestation (types differ)")
    if sig["domain"].get("name") != DOMAIN_NAME:
        raise ChainRejected(f"EIP-712 domain is not {DOMAIN_NAME!r}")


def _with_signer(att: OffchainAttestation, signer: str) -> OffchainAttestation:
    fields = dict(att.__dict__)
    fields["signer"] = signer
    return OffchainAttestation(**fields)


def _int(value: Any) -> int:
    # bool is an int in Python; a flag where a number belongs is malformed.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        return int(value, 0)
    return int(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def compact(att: OffchainAttestation) -> list[Any]:
    """``compactOffchainAttestationPackage``: the package as the SDK's 18-element array."""
    return [
        att.eas_version,
        str(att.chain_id),  # a bigint in the SDK, written as a string
        att.domain()["verifyingContract"],
        att.r,
        att.s,
        att.v,
        att.signer,
        att.uid,
        att.schema,
        "0" if int(att.recipient, 16) == 0 else att.recipient,
        att.time,
        att.expiration_time,
        "0" if att.ref_uid == ZERO_UID else att.ref_uid,
        att.revocable,
        "0x" + att.data.hex(),
        0,
        att.version,
        att.salt,
    ]


def uncompact(items: list[Any]) -> OffchainAttestation:
    """``uncompactOffchainAttestationPackage``, for version-2 packages."""
    if not isinstance(items, list) or len(items) < 18:
        raise ChainRejected("not a compact version-2 EAS off-chain attestation package")
    (ver, chain_id, contract, r, s, v, signer, uid, schema, recipient) = items[:10]
    (time, expiration, ref_uid, revocable, data, _reserved, version, salt) = items[10:18]
    package = {
        "sig": {
            "version": version,
            "uid": uid,
            "domain": {
                "name": DOMAIN_NAME,
                "version": ver,
                "chainId": chain_id,
                "verifyingContract": contract,
            },
            "primaryType": PRIMARY_TYPE,
            "types": attest_types(),
            "signature": {"r": r, "s": s, "v": v},
            "message": {
                "version": version,
                "schema": schema,
                "recipient": ZERO_ADDRESS if recipient == "0" else recipient,
                "time": time,
                "expirationTime": expiration,
                "refUID": ZERO_UID if ref_uid == "0" else ref_uid,
                "revocable": revocable,
                "data": data,
                "salt": salt,
            },
        },
        "signer": signer,
    }
    return from_sdk_json(package)


def encode_package(att: OffchainAttestation) -> str:
    """``zipAndEncodeToBase64``: compact JSON, deflated at level 9 (zlib wrapper), base64."""
    text = json.dumps(compact(att), separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(zlib.compress(text.encode(), 9)).decode()


def decode_package(encoded: str) -> OffchainAttestation:
    """``decodeBase64ZippedBase64``: the attestation a share link carries."""
    try:
        items = json.loads(zlib.decompress(base64.b64decode(encoded, validate=True)))
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise ChainRejected(f"not an EAS off-chain attestation package: {exc}") from exc
    return uncompact(items)


def offchain_url(att: OffchainAttestation, explorer: str = "") -> str:
    """``createOffchainURL``, prefixed with the chain's EAS explorer base URL when given."""
    return explorer.rstrip("/") + URL_PATH + quote(encode_package(att), safe=_URI_SAFE)


def attestation_from_url(url: str) -> OffchainAttestation:
    """The attestation in a share link (or in its ``#attestation=`` fragment alone)."""
    fragment = url.partition("#attestation=")[2] or url
    return decode_package(unquote(fragment))

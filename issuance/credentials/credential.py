"""An OpenBadgeCredential (Open Badges 3.0 on VC Data Model 2.0) built from a certificate.

Every field 1EdTech requires, and ``evidence`` naming the other proofs of the
same certificate: the key's transaction, the attestation (on chain, or off
chain with the transaction that anchored it) and the PDF with its sha256
(``digestSRI``). The learner is ``did:pkh:eip155:{chain}:{wallet}``, the wallet
that holds the key. ``checks`` rebuilds the expected subject and evidence from
the database with the same functions, so issuing and checking cannot disagree.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any
from uuid import UUID

from certflow.errors import CertificateInputError
from certflow.settings import Settings
from db.certificates import CertificateRow
from db.records import CertificateRecord
from issuance.credentials.documents import OB_V3, VC_V2

#: Namespace of achievement ids: uuid5(namespace, "{bootcamp_id}:{cohort_id}").
ACHIEVEMENT_IDS = uuid.UUID("6a0f3f0e-2b8c-5d4e-9f61-0c7b2a8d4e15")


def site_url(settings: Settings) -> str:
    """The site's root: VERIFY_BASE_URL without its ``/verify``."""
    return settings.verify_base_url.rstrip("/").removesuffix("/verify")


def credential_url(settings: Settings, cert_id: UUID) -> str:
    return f"{site_url(settings)}/credentials/{cert_id}.json"


def timestamp(moment: dt.datetime) -> str:
    """An XML Schema dateTime in UTC, to the second (``2026-01-02T03:04:05Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def learner_did(chain_id: int, wallet: str) -> str:
    return f"did:pkh:eip155:{chain_id}:{wallet}"


def subject(settings: Settings, record: CertificateRecord) -> dict[str, Any]:
    """The ``credentialSubject``: the learner's wallet DID and the achievement."""
    if not record.wallet_address or record.completed_at is None:
        raise CertificateInputError(
            f"enrollment {record.enrollment_id}: no wallet or completion date for a credential"
        )
    name = f"{record.bootcamp_title} — {record.cohort_name}"
    achievement_id = uuid.uuid5(ACHIEVEMENT_IDS, f"{record.bootcamp_id}:{record.cohort_id}")
    return {
        "id": learner_did(settings.chain_id, record.wallet_address),
        "type": ["AchievementSubject"],
        "achievement": {
            "id": f"urn:uuid:{achievement_id}",
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": name,
            "description": (
                f"Completed the {record.bootcamp_title} bootcamp ({record.cohort_name})."
            ),
            "criteria": {
                "narrative": (
                    f"Completed every milestone of the cohort {record.cohort_name} of the "
                    f"{record.bootcamp_title} bootcamp."
                )
            },
        },
    }


def evidence(
    settings: Settings, record: CertificateRecord, certificate: CertificateRow
) -> list[dict[str, Any]]:
    """The other proofs of this certificate: key, attestation (and anchor), PDF."""
    chain = settings.chain_id
    items: list[dict[str, Any]] = []
    if record.certificate_tx_hash:
        items.append(
            {
                "id": f"urn:eip155:{chain}:tx:{record.certificate_tx_hash}",
                "type": ["Evidence"],
                "name": "Certificate key (Unlock Protocol)",
                "genre": "key grant transaction",
                "description": f"The key on lock {record.lock_address} held by the learner.",
            }
        )
    if certificate.attestation_uid:
        offchain = record.attestation_mode == "offchain"
        items.append(
            {
                "id": f"urn:eas:{chain}:attestation:{certificate.attestation_uid}",
                "type": ["Evidence"],
                "name": "EAS attestation" + (" (off chain)" if offchain else ""),
                "genre": "offchain attestation" if offchain else "onchain attestation",
                "description": "The completion attested with the issuer's EAS schema.",
            }
        )
        if offchain and record.anchor_tx_hash:
            items.append(
                {
                    "id": f"urn:eip155:{chain}:tx:{record.anchor_tx_hash}",
                    "type": ["Evidence"],
                    "name": "EAS timestamp of the off-chain attestation",
                    "genre": "attestation anchor transaction",
                }
            )
    digest = base64.b64encode(bytes.fromhex(certificate.sha256)).decode("ascii")
    items.append(
        {
            "id": f"{site_url(settings)}/certificates/{certificate.id}.pdf",
            "type": ["Evidence"],
            "name": "PDF certificate",
            "genre": "certificate document",
            "digestSRI": f"sha256-{digest}",
        }
    )
    return items


def open_badge(
    settings: Settings,
    record: CertificateRecord,
    certificate: CertificateRow,
    issuer_did: str,
    status: dict[str, str],
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one certificate version."""
    return {
        "@context": [VC_V2, OB_V3],
        "id": credential_url(settings, certificate.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{record.bootcamp_title} — {record.cohort_name}",
        "issuer": {
            "id": issuer_did,
            "type": ["Profile"],
            "name": settings.issuer_name,
            "url": site_url(settings),
        },
        "validFrom": timestamp(certificate.rendered_at),
        "credentialSubject": subject(settings, record),
        "credentialStatus": status,
        "evidence": evidence(settings, record, certificate),
    }

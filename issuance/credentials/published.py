"""What the site serves to anyone verifying: the DID document, credentials, status lists.

Read only, from what the signer stored: the site holds no signing key. The
credential and the status lists are the stored text, byte for byte as signed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from certflow.settings import Settings
from db import credentials
from db.engine import transaction
from issuance.credentials.identity import did_document, issuer_did


def issuer_document(engine: sa.Engine, settings: Settings) -> dict[str, Any]:
    """The issuer's DID document: every key that ever signed, oldest first."""
    with transaction(engine) as conn:
        keys = credentials.keys(conn)
    return did_document(issuer_did(settings), keys)


def credential_text(engine: sa.Engine, certificate_id: UUID) -> str | None:
    with transaction(engine) as conn:
        stored = credentials.by_certificate(conn, certificate_id)
    return None if stored is None else stored.document


def status_list_text(engine: sa.Engine, list_id: int) -> str | None:
    with transaction(engine) as conn:
        stored = credentials.status_list(conn, list_id)
    return None if stored is None else stored.document


def credential_path(certificate_id: UUID) -> str:
    return f"/credentials/{certificate_id}.json"

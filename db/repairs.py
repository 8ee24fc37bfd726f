"""Admin repairs of one enrollment that are not SQL functions: grant a key, add a remark.

Refusals are the source's JSON (``{"success": false, ...}``) with its messages,
so the audit trail records them as refused.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query

NOT_FOUND = "Enrollment not found"
NOT_ELIGIBLE = "Not eligible for certificate"
ALREADY_ISSUED = "Certificate already issued"


def refusal(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "error": message}


def grant_key(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any]:
    """The source's "Grant Key Directly", through the claim path the app's button takes.

    Checks the enrollment is completed and not yet issued, then starts a claim
    (``claim_certificate``: the claim lock, ``certificate.claim_requested`` and
    its idempotency key), which the ``grant_key`` actor grants like any other:
    there is no second way to the chain. The feature flag is not read: an
    admin's grant is deliberate (the source's endpoint does not check it).
    """
    row = conn.execute(query("grant_key_target"), {"enrollment_id": enrollment_id}).first()
    if row is None:
        return refusal("not_found", NOT_FOUND)
    if row.enrollment_status != "completed":
        return refusal("not_completed", NOT_ELIGIBLE)
    if row.certificate_issued:
        return refusal("already_issued", ALREADY_ISSUED)
    result = conn.execute(
        query("claim_certificate"), {"enrollment_id": enrollment_id, "enabled": True}
    ).scalar_one()
    return dict(result)


def add_remark(
    conn: sa.Connection, enrollment_id: UUID, remark_type: str, content: str
) -> dict[str, Any]:
    """One ``bootcamp_completion_remarks`` row (the source's post-completion remarks)."""
    row = conn.execute(
        query("remark_insert"),
        {"enrollment_id": enrollment_id, "remark_type": remark_type, "content": content},
    ).first()
    if row is None:
        return refusal("not_found", NOT_FOUND)
    return {"success": True, **{k: str(v) for k, v in row._mapping.items()}}


def is_admin(conn: sa.Connection) -> bool:
    """Whether this connection acts as an admin (and so may write the audit trail)."""
    return bool(conn.execute(query("is_admin")).scalar_one())

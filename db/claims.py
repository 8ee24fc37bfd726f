"""Certificate claims: the feature flags the SQL path reads, the claim itself, the status JSON."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from certflow.settings import Settings
from db.queries import query


def sync_flags(conn: sa.Connection, settings: Settings) -> None:
    """Copy the feature flags from settings into the row the SQL functions read."""
    conn.execute(
        query("certificate_flags_write"),
        {"enabled": settings.bootcamp_certificates_enabled, "auto_claim": settings.auto_claim},
    )


def set_flags(conn: sa.Connection, *, enabled: bool | None, auto_claim: bool | None) -> None:
    """Write the flags an admin named (None keeps a flag as it is)."""
    conn.execute(query("certificate_flags_set"), {"enabled": enabled, "auto_claim": auto_claim})


#: Refusals that a later fix (flag on, lock address set) turns into a claim: an
#: automatic claim refused for one of these must not use up its ledger key.
FIXABLE_REFUSALS = frozenset({"disabled", "not_configured", "not_completed"})


def auto_claim(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any] | None:
    """The automatic claim with the flags of the row ``certflow flags`` writes.

    None when AUTO_CLAIM is off there; otherwise the claim's JSON. The flags
    come from the database, not this process's environment, so one worker
    started without them cannot turn claiming off for everyone.
    """
    flags = read_flags(conn)
    if not flags["auto_claim"]:
        return None
    result = conn.execute(
        query("claim_certificate"),
        {"enrollment_id": enrollment_id, "enabled": flags["certificates_enabled"]},
    ).scalar_one()
    return dict(result)


def record_refusal(conn: sa.Connection, enrollment_id: UUID, error: str) -> None:
    """Record on the enrollment why its automatic claim was refused."""
    conn.execute(query("record_claim_refusal"), {"enrollment_id": enrollment_id, "error": error})


def read_flags(conn: sa.Connection) -> dict[str, Any]:
    return dict(conn.execute(query("certificate_flags_read")).one()._mapping)


def request_claim(conn: sa.Connection, settings: Settings, enrollment_id: UUID) -> dict[str, Any]:
    """Claim a certificate (the "Claim Certificate" button), in the caller's transaction.

    Same checks and JSON as the SQL ``request_certificate_claim``, except that
    the feature flag comes from this process's settings. A valid claim writes
    ``certificate.claim_requested`` with a key new to this attempt.
    """
    result = conn.execute(
        query("claim_certificate"),
        {"enrollment_id": enrollment_id, "enabled": settings.bootcamp_certificates_enabled},
    ).scalar_one()
    return dict(result)


def status(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any] | None:
    """The source's 4.3 completion-status JSON, or None when there is no such enrollment."""
    result = conn.execute(query("certificate_status"), {"enrollment_id": enrollment_id}).scalar()
    return None if result is None else dict(result)


def issued_count(conn: sa.Connection) -> int:
    return int(conn.execute(query("certificates_issued_count")).scalar_one())


def target(conn: sa.Connection, enrollment_id: UUID, stale_seconds: int) -> sa.Row[Any] | None:
    """One enrollment with what granting and attesting need to know about it."""
    return conn.execute(
        query("certificate_target"),
        {"enrollment_id": enrollment_id, "stale_seconds": stale_seconds},
    ).first()

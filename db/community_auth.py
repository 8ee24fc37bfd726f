"""Each community's token settings: where its JWKS is, the issuer and audience, the claim
that names the learner (``certflow communities set-auth``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from certflow.errors import Refused
from db.queries import query


@dataclass(frozen=True)
class CommunityAuth:
    community_id: str
    jwks_url: str
    issuer: str
    audience: str
    subject_claim: str = "sub"

    def as_json(self) -> dict[str, Any]:
        return {
            "community": self.community_id,
            "jwks_url": self.jwks_url,
            "issuer": self.issuer,
            "audience": self.audience,
            "subject_claim": self.subject_claim,
        }


def save(conn: sa.Connection, auth: CommunityAuth) -> CommunityAuth:
    if not conn.execute(query("community_exists"), {"community": auth.community_id}).scalar():
        raise Refused(f"no community {auth.community_id!r}")
    row = conn.execute(
        query("community_auth_upsert"), auth.as_json() | {"community_id": auth.community_id}
    ).one()
    return CommunityAuth(
        row.community_id, row.jwks_url, row.issuer, row.audience, row.subject_claim
    )


def every(conn: sa.Connection) -> list[CommunityAuth]:
    return [CommunityAuth(**row._mapping) for row in conn.execute(query("community_auth_all"))]

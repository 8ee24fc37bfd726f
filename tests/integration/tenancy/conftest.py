"""Two communities, A and B, each with everything a tenant could reach: a bootcamp with a
lock, a cohort with an automatic and a manual milestone, learners with an enrollment ready
to claim and one waiting for an instructor, an activity, a certificate with its revocation
and off-chain attestation, a custom achievement and an instructor."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from uuid import UUID

import pytest
import sqlalchemy as sa

from tests.integration.achievements import support as s

#: An issuer key (Multikey) for the credentials.
KEY = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@dataclass(frozen=True)
class Tenant:
    community: str
    bootcamp: str
    cohort: str
    milestones: list[str]
    learner: UUID
    other_learner: UUID
    instructor: UUID
    enrollment: UUID  # completed, not claimed: a claim would be granted
    other_enrollment: UUID
    activity: UUID
    certificate: UUID
    achievement: str
    achievement_id: UUID
    webhook_endpoint: UUID  # with a secret
    webhook_delivery: str  # pending, to that endpoint, with one failed attempt


@dataclass(frozen=True)
class World:
    a: Tenant
    b: Tenant


def _tenant(engine: sa.Engine, community: str) -> Tenant:
    c = community.lower()
    ids = s.cohort(
        engine, f"cohort-{c}", milestones=2, bootcamp=f"bootcamp-{c}", community=community
    )
    learner = s.learner(engine, community=community, name=f"{community}1")
    other = s.learner(engine, community=community, name=f"{community}2")
    instructor = s.learner(engine, community=community, name=f"Instructor {community}")
    enrollment = s.enroll(engine, learner, f"cohort-{c}")
    other_enrollment = s.enroll(engine, other, f"cohort-{c}")
    certificate = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE bootcamp_programs SET lock_address = :l WHERE id = :b"),
            {"l": "0x" + hashlib.sha256(c.encode()).hexdigest()[:40], "b": f"bootcamp-{c}"},
        )
        conn.execute(
            sa.text("UPDATE cohort_milestones SET validation_type = 'manual' WHERE id = :m"),
            {"m": ids[1]},
        )
        conn.execute(
            sa.text("INSERT INTO cohort_instructors VALUES (:c, :i)"),
            {"c": f"cohort-{c}", "i": instructor},
        )
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed' WHERE id = :e"
            ),
            {"e": enrollment},
        )
        conn.execute(
            sa.text(
                "INSERT INTO certificates (id, enrollment_id, version, object_key, sha256,"
                " size_bytes) VALUES (:id, :e, 1, :k, :h, 100)"
            ),
            {"id": certificate, "e": enrollment, "k": f"{certificate}.pdf", "h": "a" * 64},
        )
        conn.execute(
            sa.text("INSERT INTO certificate_revocations (enrollment_id, reason) VALUES (:e, 'x')"),
            {"e": enrollment},
        )
        conn.execute(
            sa.text(
                "INSERT INTO offchain_attestations (enrollment_id, uid, attester, package)"
                " VALUES (:e, :u, '0x1', CAST(:p AS jsonb))"
            ),
            {"e": enrollment, "u": f"0x{c}", "p": json.dumps({"sig": {}})},
        )
        conn.execute(
            sa.text(
                "INSERT INTO credential_keys (public_key_multibase) VALUES (:k)"
                " ON CONFLICT DO NOTHING"
            ),
            {"k": KEY},
        )
        conn.execute(
            sa.text(
                "INSERT INTO credentials (certificate_id, enrollment_id, document,"
                " public_key_multibase, status_list, status_index)"
                " VALUES (:c, :e, '{\"proof\": {}}', :k, 0, :i)"
            ),
            {"c": certificate, "e": enrollment, "k": KEY, "i": 1 if community == "A" else 2},
        )
        achievement_id = conn.execute(
            sa.text(
                "INSERT INTO achievements (code, name, description, achievement_type, category,"
                " tier, criteria, community_id) VALUES (:code, 'Local', 'Only here',"
                " 'participation', 'Community', 'bronze',"
                ' \'{"type": "activities", "count": 2}\', :c) RETURNING id'
            ),
            {"code": f"local_{c}", "c": community},
        ).scalar_one()
        webhook_endpoint, webhook_delivery = _webhook_delivery(conn, community)
    s.complete(engine, other, ids)  # the manual one waits for the instructor
    activity = s.record(engine, learner, "login", "2026-02-01T12:00:00Z")
    s.evaluate(engine, "activity.recorded", learner)  # a streak and an award
    return Tenant(
        community, f"bootcamp-{c}", f"cohort-{c}", ids, learner, other, instructor,
        enrollment, other_enrollment, activity, certificate, f"local_{c}", achievement_id,
        webhook_endpoint, webhook_delivery,
    )  # fmt: skip


def _webhook_delivery(conn: sa.Connection, community: str) -> tuple[UUID, str]:
    """A webhook endpoint of the community with its secret, and a pending delivery to it
    with one failed attempt."""
    endpoint = conn.execute(
        sa.text(
            "INSERT INTO webhook_endpoints (community_id, url, event_types)"
            " VALUES (:c, 'https://hooks.example/x', ARRAY['webhook.test']) RETURNING id"
        ),
        {"c": community},
    ).scalar_one()
    delivery = f"msg_{community.lower()}{uuid.uuid4().hex}"
    conn.execute(
        sa.text(
            "INSERT INTO webhook_deliveries (id, endpoint_id, community_id, event_type, body)"
            " VALUES (:d, :e, :c, 'webhook.test', '{}')"
        ),
        {"d": delivery, "e": endpoint, "c": community},
    )
    conn.execute(
        sa.text("INSERT INTO webhook_secrets (endpoint_id, secret) VALUES (:e, :s)"),
        {"e": endpoint, "s": "whsec_" + "A" * 43 + "="},
    )
    conn.execute(
        sa.text(
            "INSERT INTO webhook_attempts (delivery_id, community_id, attempt, status_code)"
            " VALUES (:d, :c, 1, 500)"
        ),
        {"d": delivery, "c": community},
    )
    return endpoint, delivery


@pytest.fixture
def world(engine: sa.Engine) -> World:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO communities VALUES ('A', 'Alpha'), ('B', 'Beta')"))
        conn.execute(sa.text("UPDATE certificate_flags SET certificates_enabled = true"))
    return World(_tenant(engine, "A"), _tenant(engine, "B"))

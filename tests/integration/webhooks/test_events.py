"""Every documented event type reaches the outbox where its state changes, and its
webhook body is the documented one: public facts and ids, the community, never an email."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

from db import certificates, grants, outbox, revocations
from db import webhook_deliveries as repo
from tests.integration.webhooks.conftest import COMMUNITY, World, endpoint
from tests.integration.webhooks.receiver import Receiver

ALL = (
    "enrollment.completed",
    "certificate.key_granted",
    "certificate.attested",
    "certificate.issued",
    "certificate.failed",
    "certificate.revoked",
    "achievement.unlocked",
)


def _fan_out_all(worker_engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Fan every outbox event out as the worker does; the bodies by type."""
    with worker_engine.begin() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM event_outbox ORDER BY id")).scalars())
        repo.fan_out(conn, ids, "https://certs.example/verify", "https://certs.example")
        rows = conn.execute(sa.text("SELECT body FROM webhook_deliveries ORDER BY outbox_id"))
        bodies = [json.loads(r.body) for r in rows]
    found: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        assert set(body) == {"type", "timestamp", "data"}
        assert body["timestamp"].endswith("Z")
        assert dt.datetime.fromisoformat(body["timestamp"]).tzinfo == dt.UTC
        found.setdefault(body["type"], []).append(body["data"])
    return found


def test_each_event_type_and_its_payload(
    engine: sa.Engine, worker_engine: sa.Engine, world: World, receiver: Receiver
) -> None:
    endpoint(engine, receiver, "/all", ALL)
    e = world.enrollment
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE user_profiles SET email = 'grace@example.com'"))
        conn.execute(
            sa.text("UPDATE bootcamp_enrollments SET certificate_issued = false WHERE id = :e"),
            {"e": e},
        )
    with worker_engine.begin() as conn:
        for kind, payload in (
            ("enrollment.completed", {"enrollment_id": str(e),
                                      "user_profile_id": str(world.learner)}),
            ("certificate.key_granted", {"enrollment_id": str(e), "tx_hash": "0xabc"}),
            ("certificate.attested", {"enrollment_id": str(e), "attestation_uid": "0xuid"}),
            ("achievement.unlocked", {"user_profile_id": str(world.learner),
                                      "achievement_id": str(uuid.uuid4()), "code": "c",
                                      "points": 3}),
        ):  # fmt: skip
            outbox.emit(conn, kind, payload, f"{kind}:{uuid.uuid4()}")
        # The state changes that emit the three new kinds, as certflow makes them.
        grants.record_claim_error(conn, [e], "Your wallet address is not valid.")
        cert = certificates.record(
            conn,
            cert_id=uuid.uuid4(),
            enrollment_id=e,
            version=1,
            object_key="k",
            sha256="ab" * 32,
            size_bytes=10,
            attestation_uid=None,
        )
    with engine.begin() as conn:  # an admin revokes
        revocations.record(conn, e, "issued in error", None)
        revocations.record(conn, e, "a second revoke emits nothing", None)
    found = _fan_out_all(worker_engine)
    assert sorted(found) == sorted(ALL)
    assert all(len(items) == 1 for items in found.values())
    for data in (d for items in found.values() for d in items):
        assert data["community_id"] == COMMUNITY
        assert data["learner_id"] == str(world.learner)
        assert "grace@example.com" not in json.dumps(data)
    assert found["certificate.failed"][0]["stage"] == "claim"
    assert found["certificate.failed"][0]["message"] == "Your wallet address is not valid."
    issued = found["certificate.issued"][0]
    assert issued["verify_url"] == f"https://certs.example/verify/{cert.id}"
    assert issued["download_url"] == f"https://certs.example/certificates/{cert.id}.pdf"
    assert issued["version"] == 1
    assert found["certificate.revoked"][0]["reason"] == "issued in error"
    assert found["certificate.attested"][0]["mode"] == "onchain"
    assert found["certificate.key_granted"][0]["tx_hash"] == "0xabc"


def test_a_second_fan_out_creates_nothing_and_other_communities_get_nothing(
    engine: sa.Engine, worker_engine: sa.Engine, world: World, receiver: Receiver
) -> None:
    endpoint(engine, receiver, "/mine", ("achievement.unlocked",))
    endpoint(engine, receiver, "/not-subscribed", ("certificate.issued",))
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO communities (id, name) VALUES ('other', 'O')"))
        conn.execute(
            sa.text(
                "INSERT INTO webhook_endpoints (community_id, url, event_types)"
                " VALUES ('other', 'https://other.example/h', '{achievement.unlocked}')"
            )
        )
    with worker_engine.begin() as conn:
        outbox.emit(
            conn,
            "achievement.unlocked",
            {"user_profile_id": str(world.learner), "achievement_id": str(uuid.uuid4())},
            "achievement.unlocked:x",
        )
        ids = list(conn.execute(sa.text("SELECT id FROM event_outbox")).scalars())
        first = repo.fan_out(conn, ids, "https://v/verify", "https://v")
        again = repo.fan_out(conn, ids, "https://v/verify", "https://v")
    assert len(first) == 1
    assert again == []

"""Who may do what with off-chain attestations, as real LOGIN users (least privilege)."""

from __future__ import annotations

import json
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from db import seed

Connect = dict[str, str]
UID = "0x" + "ab" * 32


@pytest.fixture
def enrollment(engine: sa.Engine) -> UUID:
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        [(_, enrollment_id)] = seed.enroll_learners(conn, cohort, ["Ada"]).items()
    return enrollment_id


def _refused(url: str, statement: str, *params: object) -> str:
    with psycopg.connect(url) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(statement, params)
    return str(refused.value)


def test_the_worker_stores_and_anchors_but_never_rewrites_a_signed_attestation(
    database_urls: Connect, enrollment: UUID
) -> None:
    with psycopg.connect(database_urls["worker"]) as conn:
        conn.execute(
            "INSERT INTO offchain_attestations (enrollment_id, uid, attester, package)"
            " VALUES (%s, %s, %s, %s)",
            (enrollment, UID, "0x" + "11" * 20, json.dumps({"sig": {}, "signer": "x"})),
        )
        conn.execute(
            "UPDATE offchain_attestations SET anchor_tx_hash = %s, anchored_at = now()"
            " WHERE uid = %s",
            ("0x" + "cd" * 32, UID),
        )

    assert "permission denied" in _refused(
        database_urls["worker"],
        "UPDATE offchain_attestations SET package = '{}' WHERE uid = %s",
        UID,
    )
    assert "permission denied" in _refused(
        database_urls["worker"], "DELETE FROM offchain_attestations WHERE uid = %s", UID
    )


def test_the_app_reads_attestations_but_cannot_write_them_or_the_mode(
    database_urls: Connect, enrollment: UUID
) -> None:
    with psycopg.connect(database_urls["app"]) as conn:
        assert conn.execute("SELECT count(*) FROM offchain_attestations").fetchone() == (0,)
    assert "permission denied" in _refused(
        database_urls["app"],
        "INSERT INTO offchain_attestations (enrollment_id, uid, attester, package)"
        " VALUES (%s, %s, 'x', '{}')",
        enrollment,
        UID,
    )
    assert "permission denied" in _refused(
        database_urls["app"], "UPDATE bootcamp_programs SET attestation_mode = 'offchain'"
    )


def test_the_admin_sets_a_bootcamp_offchain_and_the_mode_is_checked(
    database_urls: Connect, enrollment: UUID
) -> None:
    with psycopg.connect(database_urls["admin"]) as conn:
        conn.execute("UPDATE bootcamp_programs SET attestation_mode = 'offchain' WHERE id = 'b1'")
    assert "attestation_mode" in _refused(
        database_urls["admin"], "UPDATE bootcamp_programs SET attestation_mode = 'paper'"
    )

"""The ``certificates`` table as migrated: columns, one current version per
enrollment, privileges; and the versioning rules of the render service."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from db import certificates
from db.certificates import CertificateRow
from db.records import CertificateRecord
from issuance.certificates.certificate_pdf import needs_render
from tests.integration.certificates_pdf.conftest import settled_learner
from tests.integration.helpers import scalar

COLUMNS = {
    "id": ("uuid", "NO"),
    "enrollment_id": ("uuid", "NO"),
    "version": ("integer", "NO"),
    "object_key": ("text", "NO"),
    "sha256": ("text", "NO"),
    "size_bytes": ("bigint", "NO"),
    "attestation_uid": ("text", "YES"),
    "rendered_at": ("timestamp with time zone", "NO"),
    "superseded_at": ("timestamp with time zone", "YES"),
}


def test_migrated_table_has_the_columns_the_code_reads(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        live = {
            r.column_name: (r.data_type, r.is_nullable)
            for r in conn.execute(
                sa.text(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = 'certificates'"
                )
            )
        }
    assert live == COLUMNS


def test_workers_may_write_the_table_and_the_app_may_only_read_it(engine: sa.Engine) -> None:
    def can(role: str, privilege: str) -> bool:
        return bool(
            scalar(
                engine,
                "SELECT has_table_privilege(:r, 'public.certificates', :p)",
                r=role,
                p=privilege,
            )
        )

    assert [can("certflow_worker", p) for p in ("SELECT", "INSERT", "UPDATE")] == [True] * 3
    assert can("certflow_worker", "DELETE") is False
    assert (can("certflow_app", "SELECT"), can("certflow_app", "INSERT")) == (True, False)


def _insert(conn: sa.Connection, enrollment: uuid.UUID, version: int) -> None:
    cert_id = certificates.certificate_id(enrollment, version)
    conn.execute(
        sa.text(
            "INSERT INTO certificates (id, enrollment_id, version, object_key, sha256, size_bytes)"
            " VALUES (:id, :e, :v, :k, :sha, 1)"
        ),
        {"id": cert_id, "e": enrollment, "v": version, "k": f"k/{cert_id}.pdf", "sha": "0" * 64},
    )


def test_an_enrollment_has_at_most_one_current_certificate(engine: sa.Engine) -> None:
    learner = settled_learner(engine)
    with engine.begin() as conn:
        _insert(conn, learner.enrollment_id, 1)
    with (
        pytest.raises(sa.exc.IntegrityError, match="idx_certificates_current"),
        engine.begin() as conn,
    ):
        _insert(conn, learner.enrollment_id, 2)


def test_record_supersedes_the_older_version_in_the_same_transaction(engine: sa.Engine) -> None:
    learner = settled_learner(engine)
    e = learner.enrollment_id
    with engine.begin() as conn:
        _insert(conn, e, 1)
        certificates.record(
            conn,
            cert_id=certificates.certificate_id(e, 2),
            enrollment_id=e,
            version=2,
            object_key="k/v2.pdf",
            sha256="1" * 64,
            size_bytes=2,
            attestation_uid="0xabc",
        )
        current = certificates.current(conn, e)
    assert current is not None
    assert (current.version, current.attestation_uid, current.is_current) == (2, "0xabc", True)
    assert scalar(engine, "SELECT count(*) FROM certificates WHERE superseded_at IS NOT NULL") == 1


def test_certificate_ids_are_stable_per_enrollment_and_version() -> None:
    e = uuid.UUID("6a1f0c3e-2b7d-4e55-9a53-5c1e0b7d2a10")
    assert certificates.certificate_id(e, 1) == certificates.certificate_id(e, 1)
    assert certificates.certificate_id(e, 1) != certificates.certificate_id(e, 2)
    assert certificates.certificate_id(e, 1) == uuid.uuid5(certificates.CERTIFICATE_IDS, f"{e}:1")


def _record(uid: str | None) -> CertificateRecord:
    return CertificateRecord(
        enrollment_id=uuid.uuid4(),
        user_profile_id=uuid.uuid4(),
        cohort_id="c1",
        cohort_name="C",
        bootcamp_id="b1",
        bootcamp_title="B",
        lock_address="0x1",
        display_name="A",
        username=None,
        wallet_address=None,
        completed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        total_xp=0,
        certificate_tx_hash="0x2",
        certificate_attestation_uid=uid,
    )


def _row(uid: str | None) -> CertificateRow:
    now = dt.datetime.now(dt.UTC)
    return CertificateRow(uuid.uuid4(), uuid.uuid4(), 1, "k", "0" * 64, 1, uid, now, None)


@pytest.mark.parametrize(
    ("current", "chain", "expected"),
    [
        (None, None, True),  # first certificate, attestation pending
        (None, "0xa", True),  # first certificate, attested
        ("pending", "0xa", True),  # the pending attestation succeeded: version 2
        ("pending", None, False),  # still pending: nothing new to print
        ("0xa", "0xa", False),  # already shows it
        ("0xa", None, False),  # never re-render to remove an attestation
        ("0xa", "0xb", True),  # re-attested: print the new UID
    ],
)
def test_when_a_new_version_is_rendered(
    current: str | None, chain: str | None, expected: bool
) -> None:
    existing = None if current is None else _row(None if current == "pending" else current)
    assert needs_render(existing, _record(chain)) is expected

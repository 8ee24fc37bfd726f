"""Fixtures for the certificate PDF tests: settings with an S3 bucket, a seeded
enrollment whose chain steps are settled, and readers for the stored PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from db import outbox, seed
from render.storage import ObjectStore
from tests.fixtures.database import settings_for
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server

VERIFY_BASE_URL = "https://certs.example.org/verify"
URL_TTL = 1234
KEY_TX = "0x" + "ab" * 32
ATTESTATION_UID = "0x" + "5e1f" * 16
LOCK = "0x" + "a1b2" * 10
COMPLETED_AT = dt.datetime(2025, 3, 12, 15, 30, tzinfo=dt.UTC)


def pdf_settings(
    database_url: str, redis_url: str, endpoint: str, bucket: str, **extra: str
) -> Settings:
    return settings_for(
        database_url,
        REDIS_URL=redis_url,
        MIN_BACKOFF_MS="50",
        MAX_BACKOFF_MS="200",
        MAX_RETRIES="3",
        RELAY_POLL_SECONDS="0.2",
        S3_ENDPOINT=endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=bucket,
        CERTIFICATE_URL_TTL=str(URL_TTL),
        VERIFY_BASE_URL=VERIFY_BASE_URL,
        **extra,
    )


@pytest.fixture
def settings(database_url: str, redis_url: str, s3_server: S3Server, s3_bucket: str) -> Settings:
    """Overrides the suite's settings: the same database and Redis, plus an S3 bucket
    of this test's own (the actor creates it)."""
    return pdf_settings(database_url, redis_url, s3_server.endpoint, s3_bucket)


@pytest.fixture
def store(settings: Settings) -> ObjectStore:
    """A client on the test's bucket, independent of the worker's cached one."""
    return ObjectStore.from_settings(settings, region=settings.s3_region)


@dataclass(frozen=True)
class Learner:
    enrollment_id: UUID
    user_profile_id: UUID
    bootcamp_id: str
    cohort_id: str

    @property
    def prefix(self) -> str:
        return f"certificates/{self.bootcamp_id}/{self.cohort_id}/{self.user_profile_id}/"


def settled_learner(
    engine: sa.Engine,
    *,
    name: str = "Amélie Dubois",
    wallet: str | None = None,
    attestation_uid: str | None = ATTESTATION_UID,
    lock_address: str = LOCK,
    key_tx: str = KEY_TX,
    cohort_id: str = "c1",
    milestones: int = 3,
) -> Learner:
    """A completed enrollment whose key is granted and whose attestation is recorded (or not)."""
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id="b1",
            cohort_id=cohort_id,
            milestones=milestones,
            xp_per_milestone=150,
            bootcamp_title="Solidity Foundations Bootcamp",
            cohort_name="Cohort 7 — Lagos",
            lock_address=lock_address,
        )
        [(user, enrollment)] = seed.enroll_learners(conn, cohort, [name], [wallet]).items()
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = :at, certificate_issued = true, certificate_issued_at = :at,"
                " certificate_tx_hash = :tx, certificate_attestation_uid = :uid WHERE id = :id"
            ),
            {"at": COMPLETED_AT, "tx": key_tx, "uid": attestation_uid, "id": enrollment},
        )
    return Learner(enrollment, user, "b1", cohort_id)


def set_attestation(engine: sa.Engine, enrollment_id: UUID, uid: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_attestation_uid = :uid WHERE id = :id"
            ),
            {"uid": uid, "id": enrollment_id},
        )


def emit(engine: sa.Engine, kind: str, enrollment_id: UUID, key: str | None = None) -> str:
    """What the attest actor writes: a certificate.* event with the enrollment id."""
    key = key or f"{kind}:{enrollment_id}:{dt.datetime.now(dt.UTC).timestamp()}"
    with engine.begin() as conn:
        outbox.emit(conn, kind, {"enrollment_id": str(enrollment_id)}, key)
    return key


def certificate_rows(engine: sa.Engine, enrollment_id: UUID) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT * FROM certificates WHERE enrollment_id = :id ORDER BY version"),
                {"id": enrollment_id},
            ).all()
        )


def object_keys(store: ObjectStore, prefix: str) -> list[str]:
    """Every object under ``prefix``, listed by the S3 server (not by our database)."""
    client = store._client  # the test looks behind the store on purpose
    if not client.bucket_exists(store.bucket):
        return []
    return sorted(
        str(obj.object_name)
        for obj in client.list_objects(store.bucket, prefix=prefix, recursive=True)
    )


def pdftotext(pdf: bytes) -> str:
    """Text as poppler sees it: a parser independent of the renderer and of pypdf."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def qr_payloads(pdf: bytes, out: Path | None = None) -> list[str]:
    """Decode every QR code on the page: pdftoppm to PNG, then zbarimg."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "c.pdf"
        pdf_path.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "150",
                "-singlefile",
                str(pdf_path),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        png = Path(tmp) / "page.png"
        if out is not None:
            shutil.copy(png, out)
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, check=False
        )
    return [line for line in result.stdout.decode().splitlines() if line]

"""Exactly one object and one row, whatever fails: a crash between the upload and
the database write, or object storage being down."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from certflow.errors import DatabaseUnavailable
from certflow.settings import Settings
from db import certificates
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.fixtures.s3 import SECRET_KEY, S3Server
from tests.integration.certificates_pdf.conftest import (
    certificate_rows,
    emit,
    object_keys,
    pdf_settings,
    settled_learner,
)
from tests.integration.helpers import processed, replay_dead_letters, rows


def test_crash_between_upload_and_row_leaves_one_object_and_one_row(
    engine: sa.Engine, store: ObjectStore, relay: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = settled_learner(engine)
    real_record = certificates.record
    uploaded_before_crash: list[bytes] = []
    crashed = threading.Event()

    def crash_once(conn: sa.Connection, **values: Any) -> Any:
        if not crashed.is_set():
            # The object is already in storage; the process "dies" before its row commits.
            [key] = object_keys(store, learner.prefix)
            uploaded_before_crash.append(store.get(key))
            crashed.set()
            raise DatabaseUnavailable("injected: connection lost before the row was written")
        return real_record(conn, **values)

    monkeypatch.setattr(certificates, "record", crash_once)

    emit(engine, "certificate.attested", learner.enrollment_id)

    wait_until(crashed.is_set)
    [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id))
    assert object_keys(store, learner.prefix) == [row.object_key]
    stored = store.get(row.object_key)
    assert stored == uploaded_before_crash[0]
    assert row.sha256 == hashlib.sha256(stored).hexdigest()
    assert processed(engine, "render_certificate") == 1
    assert rows(engine, "SELECT id FROM dead_letters") == []


@pytest.fixture
def settings(
    database_url: str, redis_url: str, private_s3_server: S3Server, s3_bucket: str
) -> Settings:
    """This module's actor writes to a server of its own, which tests stop and start."""
    return pdf_settings(database_url, redis_url, private_s3_server.endpoint, s3_bucket)


@pytest.fixture
def s3_down(private_s3_server: S3Server) -> Iterator[S3Server]:
    private_s3_server.stop()
    yield private_s3_server
    private_s3_server.start()


def test_storage_down_is_retried_then_dead_lettered_and_replay_succeeds_once(
    *,
    engine: sa.Engine,
    store: ObjectStore,
    settings: Settings,
    relay: Any,
    worker: Any,
    s3_down: S3Server,
    admin_settings: Settings,
) -> None:
    learner = settled_learner(engine)
    started = time.monotonic()

    emit(engine, "certificate.attested", learner.enrollment_id)

    [letter] = wait_until(lambda: rows(engine, "SELECT * FROM dead_letters"), timeout=60)
    elapsed = time.monotonic() - started
    assert letter.actor == "render_certificate"
    assert letter.error_type == "StorageUnavailable"
    assert letter.permanent is False
    assert letter.retries >= settings.max_retries  # retried before it was given up
    assert "object storage is unreachable" in letter.reason
    assert SECRET_KEY not in letter.reason
    # The test settings' backoff reaches dramatiq: MIN_BACKOFF_MS=50 doubled per retry and
    # capped at MAX_BACKOFF_MS=200, with jitter, makes three waits of at least 100 ms each.
    assert elapsed > 0.3
    assert certificate_rows(engine, learner.enrollment_id) == []
    assert processed(engine, "render_certificate") == 0

    s3_down.start()  # a fresh, empty server: the actor creates the bucket again
    assert replay_dead_letters(admin_settings, None) == [letter.id]

    [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id))
    assert object_keys(store, learner.prefix) == [row.object_key]
    assert row.sha256 == hashlib.sha256(store.get(row.object_key)).hexdigest()
    wait_until(lambda: processed(engine, "render_certificate") == 1)
    [replayed] = rows(engine, "SELECT replayed_at FROM dead_letters")
    assert replayed.replayed_at is not None

"""A render worker killed (SIGKILL) between the upload and the database write:
the real worker processes then finish the job with one object and one row."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import outbox
from render.storage import ObjectStore
from tests.acceptance.processes import ROOT, env_for, running, stop
from tests.fixtures.database import wait_until
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.certificates_pdf.conftest import (
    certificate_rows,
    object_keys,
    pdf_settings,
    settled_learner,
)
from tests.integration.helpers import processed

pytestmark = pytest.mark.slow

# Runs the render step in a process of its own, which kills itself with SIGKILL
# the moment the PDF is uploaded and its row is about to be written.
_DIE_AFTER_UPLOAD = textwrap.dedent(
    """
    import os, signal, sys
    from uuid import UUID
    from certflow.settings import load_settings
    from db import certificates
    from db.engine import make_engine
    from db.ledger import LedgerKey
    from issuance.certificates import certificate_pdf
    from render.storage import ObjectStore

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    certificates.record = die
    settings = load_settings()
    certificate_pdf.render_certificate(
        make_engine(settings), ObjectStore.from_settings(settings, region=settings.s3_region),
        settings, UUID(sys.argv[1]), LedgerKey("render_certificate", sys.argv[2], None),
    )
    """
)


def test_worker_killed_between_upload_and_row_leaves_one_object_and_one_row(
    *,
    engine: sa.Engine,
    database_url: str,
    redis_url: str,
    broker: object,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
) -> None:
    s3 = {
        "S3_ENDPOINT": s3_server.endpoint,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_BUCKET": s3_bucket,
    }
    env = env_for(database_url, redis_url, **s3)
    store = ObjectStore.from_settings(
        pdf_settings(database_url, redis_url, s3_server.endpoint, s3_bucket)
    )
    learner = settled_learner(engine, name="王小明")
    key = f"certificate.attested:{learner.enrollment_id}"
    with engine.begin() as conn:
        outbox.emit(
            conn, "certificate.attested", {"enrollment_id": str(learner.enrollment_id)}, key
        )

    killed = subprocess.run(
        [sys.executable, "-c", _DIE_AFTER_UPLOAD, str(learner.enrollment_id), key],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    [orphan] = object_keys(store, learner.prefix)
    uploaded = store.get(orphan)
    assert certificate_rows(engine, learner.enrollment_id) == []
    assert processed(engine, "render_certificate") == 0

    with (
        running(["relay"], env, tmp_path / "relay.log") as relay,
        running(
            ["worker", "--processes", "1", "--threads", "2", "-Q", "render"],
            env,
            tmp_path / "worker.log",
        ) as worker,
    ):
        [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id), timeout=60)
        wait_until(lambda: processed(engine, "render_certificate") == 1, timeout=30)
        assert stop(relay) == 0
        assert stop(worker) == 0

    assert object_keys(store, learner.prefix) == [orphan] == [row.object_key]
    assert store.get(row.object_key) == uploaded
    assert row.sha256 == hashlib.sha256(uploaded).hexdigest()
    assert len(certificate_rows(engine, learner.enrollment_id)) == 1
    assert processed(engine, "render_certificate") == 1

"""The README's main job, run as a user runs it: `certflow demo`."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.acceptance.processes import ROOT, run, start

pytestmark = pytest.mark.slow


def test_demo_runs_milestones_to_certificates_end_to_end(pg_admin_url: str, redis_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": pg_admin_url, "REDIS_URL": redis_url}
    done = run(["demo", "--learners", "4", "--milestones", "2"], env, timeout=400)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 of 4 learners completed (expected 3); 3 certificates on chain and in storage" in (
        done.stdout
    )
    assert done.stdout.count("X-Amz-Expires=3600") == 3
    # Claimed through the API with each learner's token; the one short of a milestone: 403.
    assert "claims through POST /api/v1/certificates/claim, by HTTP status: {200: 3, 403: 1}" in (
        done.stdout
    )
    # The web process ran too, and its page (read through its JSON API) verified a learner.
    assert "open one learner's certificate page: http://localhost:" in done.stdout
    assert "the site says: verified" in done.stdout  # its credential step passed too
    assert "its Open Badges credential: http://localhost:" in done.stdout
    assert "PDF readers will call these signatures untrusted" in done.stdout
    # The app's webhook endpoint heard of every certificate, each delivery verified by the
    # Standard Webhooks library, and nothing is left pending or failed.
    hooks = done.stdout.split("webhooks: ")[1].splitlines()[0]
    assert "certificate.issued 3," in hooks
    assert "certificate.key_granted 3" in hooks
    assert "refused 0; deliveries by status: {'delivered': " in hooks
    preview = done.stdout.split("preview of one certificate: ")[1].split()[0]
    assert (ROOT / preview).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_keep_running_leaves_every_printed_link_alive_and_writes_the_env(
    pg_admin_url: str, redis_url: str, tmp_path: Path
) -> None:
    """Issue 19, item 11: the printed links answer after the report, until Ctrl-C, and
    var/demo/env is what `certflow web` and the CLI need to work against the demo."""
    env = {**os.environ, "DATABASE_URL": pg_admin_url, "REDIS_URL": redis_url}
    log = tmp_path / "demo.log"
    proc = start(["demo", "--learners", "2", "--milestones", "1", "--keep-running"], env, log)
    try:
        deadline = time.monotonic() + 400
        while "Ctrl-C stops them" not in log.read_text():
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        output = log.read_text()
        page = output.split("open one learner's certificate page: ")[1].split()[0]
        answered = requests.get(page, timeout=30)
        written = dict(
            line.split("=", 1)
            for line in (ROOT / "var/demo/env").read_text().splitlines()
            if line and not line.startswith("#")
        )
        status = run(["status", "--json"], {**os.environ, **written}, timeout=120)
    finally:
        os.kill(proc.pid, signal.SIGINT)
        code = proc.wait(60)

    assert answered.status_code == 200
    assert "Verified" in answered.text
    assert "var/demo/env" in output
    assert written["DATABASE_URL"].endswith("/certflow_demo")
    assert written["VERIFY_BASE_URL"] == page.rsplit("/", 1)[0]
    assert (ROOT / "var/demo/env").stat().st_mode & 0o077 == 0
    assert status.returncode == 0, status.stderr[-2000:]
    assert code == 0

"""The README's main job, run as a user runs it: `certflow demo`."""

from __future__ import annotations

import os

import pytest

from tests.acceptance.processes import ROOT, run

pytestmark = pytest.mark.slow


def test_demo_runs_milestones_to_certificates_end_to_end(pg_admin_url: str, redis_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": pg_admin_url, "REDIS_URL": redis_url}
    done = run(["demo", "--learners", "4", "--milestones", "2"], env, timeout=400)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 of 4 learners completed (expected 3); 3 certificates on chain and in storage" in (
        done.stdout
    )
    assert done.stdout.count("X-Amz-Expires=3600") == 3
    # The web process ran too, and its page (read through its JSON API) verified a learner.
    assert "open one learner's certificate page: http://localhost:" in done.stdout
    assert "the site says: verified" in done.stdout  # its credential step passed too
    assert "its Open Badges credential: http://localhost:" in done.stdout
    assert "PDF readers will call these signatures untrusted" in done.stdout
    preview = done.stdout.split("preview of one certificate: ")[1].split()[0]
    assert (ROOT / preview).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

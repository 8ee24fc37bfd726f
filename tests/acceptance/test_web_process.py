"""``certflow web`` as the Procfile runs it: on $PORT, with the start-up warning a
deployment needs, stopping cleanly on SIGTERM."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from chain.devnode import free_port
from tests.acceptance.processes import env_for, running, stop


def test_web_listens_on_port_and_warns_about_a_localhost_verify_url(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = env_for(
        database_url,
        redis_url,
        PORT=str(port),
        CHAIN_ID="8453",  # Base: not a dev chain, so localhost links are a mistake
        VERIFY_BASE_URL="http://localhost:8000/verify",
        LOCK_MANAGER_ADDRESS="0x" + "11" * 20,
        EAS_CONTRACT_ADDRESS="0x" + "22" * 20,
        BOOTCAMP_COMPLETION_SCHEMA_UID="0x" + "33" * 32,
        S3_ACCESS_KEY="k",
        S3_SECRET_KEY="s",  # noqa: S106 - nothing is stored: the site only starts
    )
    env.pop("SIGNER_PRIVATE_KEY", None)
    log = tmp_path / "web.log"
    with running(["web"], env, log) as proc:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/verify", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert response.status_code == 200
        assert "Verify a certificate" in response.text
        assert stop(proc) == 0
    output = log.read_text()
    assert "VERIFY_BASE_URL points at localhost on chain 8453" in output
    assert "http://localhost:8000/verify" in output

"""SIGTERM to every process mid-burst: each exits cleanly within SHUTDOWN_GRACE_SECONDS
(in-flight messages finish or go back to the queue), the supervisor starts them again,
and nothing is lost or duplicated (the chain's logs, the object store and Postgres).

Runs with the chaos suite's learners (24; CHAOS_LEARNERS=500 for the issue's burst).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from chain.devnode import free_port
from render.storage import ObjectStore
from tests.acceptance.processes import start
from tests.chaos.cohort import Chain, Cohort, burst, invariants, seed_cohort, settled
from tests.chaos.conftest import LEARNERS
from tests.chaos.faults import Supervisor
from tests.integration.helpers import scalar

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

GRACE = 15.0
SETTLE_TIMEOUT = float(os.environ.get("CHAOS_SETTLE_TIMEOUT", "300"))


def _terminate(procs: dict[str, subprocess.Popen[bytes]]) -> dict[str, tuple[int, float]]:
    """SIGTERM to each process at once; its exit code and how long it took."""
    began = time.monotonic()
    for proc in procs.values():
        os.kill(proc.pid, signal.SIGTERM)
    exits = {}
    for name, proc in procs.items():
        code = proc.wait(GRACE + 10)
        exits[name] = (code, round(time.monotonic() - began, 1))
    return exits


#: What each process logs once it has installed its SIGTERM handling and taken work.
READY = {
    "relay": "relay_listening",
    "scheduler": "scheduler_started",
    "completion": "Worker process is ready",
    "chain": "Worker process is ready",
    "render": "Worker process is ready",
}


def _wait_ready(logs: Path, web_port: int) -> None:
    """Until every process is serving: a SIGTERM before that only ends a start-up."""
    deadline = time.monotonic() + 60
    pending = dict(READY)
    while pending or not _answers(web_port):
        assert time.monotonic() < deadline, f"not ready: {sorted(pending)}"
        for name, line in list(pending.items()):
            log = logs / f"{name}.log"
            if log.exists() and line in log.read_text():
                del pending[name]
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/verify", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _paced(app_url: str, cohort: Cohort, seconds: float) -> None:
    steps = list(cohort.last_steps)
    chunks = max(1, int(seconds / 0.25))
    for i in range(chunks):
        burst(app_url, steps[i::chunks], threads=2)
        time.sleep(0.25)


def test_sigterm_to_every_process_mid_burst_loses_and_duplicates_nothing(
    chaos_env: dict[str, str],
    chain: tuple[Chain, str],
    chaos_store: ObjectStore,
    engine: sa.Engine,
    owner_engine: sa.Engine,
    database_urls: dict[str, str],
    tmp_path: Path,
) -> None:
    found, _ = chain
    env = {**chaos_env, "SHUTDOWN_GRACE_SECONDS": str(GRACE), "PORT": str(free_port())}
    cohort = seed_cohort(owner_engine, found.lock, LEARNERS, bad=False)
    web = start(["web"], {**env, "SIGNER_PRIVATE_KEY": ""}, tmp_path / "web.log")
    with Supervisor(env, tmp_path) as sup:
        _wait_ready(tmp_path, int(env["PORT"]))
        app = threading.Thread(target=_paced, args=(database_urls["app"], cohort, 4.0))
        app.start()
        time.sleep(1.5)  # mid-burst: events relayed, messages in flight on every queue
        exits = _terminate({**sup.procs, "web": web})
        app.join()
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not (done := settled(engine, cohort)) and time.monotonic() < deadline:
            time.sleep(0.5)
    logs = {p.name: p.read_text()[-2000:] for p in tmp_path.glob("*.log")}
    assert {name: code for name, (code, _) in exits.items()} == dict.fromkeys(exits, 0), logs
    assert all(seconds <= GRACE + 2 for _, seconds in exits.values()), exits
    assert done, logs
    assert invariants(engine, found, chaos_store, cohort) == {
        "duplicates": {"keys": 0, "attestations": 0, "activities": 0},
        "lost": {"keys": 0, "attestations": 0, "pdfs": 0},
    }
    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0
    assert scalar(engine, "SELECT count(*) FROM event_outbox WHERE dispatched_at IS NULL") == 0
    completions = "SELECT count(*) FROM user_activities WHERE activity_type = 'bootcamp_completed'"
    assert scalar(engine, completions) == len(cohort.good)

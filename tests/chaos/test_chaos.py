"""Exactly once under faults: a cohort burst through the Procfile's real processes while
processes are killed, Redis is flushed and restarted, Postgres connections are cut and
the S3 server goes away; then the invariants, from the chain, the store and Postgres.

Each scenario writes its row (learners, faults, settled, duplicates, lost, seconds to
settle after the last fault) to $CHAOS_REPORT when set: bench/chaos.py prints them.
"none" is the control and the bench's baseline: the same burst with no fault, timed
from the end of the burst.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from render.storage import ObjectStore
from tests.chaos.cohort import Chain, Cohort, burst, invariants, seed_cohort, settled
from tests.chaos.conftest import LEARNERS
from tests.chaos.faults import RedisServer, Supervisor, TcpProxy, terminate_backends
from tests.integration.helpers import rows, scalar

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

SCENARIOS = ["none", "kill", "redis", "postgres", "storage", "bad_input", "all"]
SETTLE_TIMEOUT = float(os.environ.get("CHAOS_SETTLE_TIMEOUT", "300"))
STORAGE_OUTAGE = 30.0


class Faults:
    """Injects one scenario's faults, counting them and timing the last one."""

    def __init__(self, sup: Supervisor, redis: RedisServer, s3: TcpProxy, pg: tuple[str, str]):
        self.sup, self.redis, self.s3, self.pg = sup, redis, s3, pg
        self.count, self.last = 0, time.monotonic()
        self.rng = random.Random(1234)

    def _done(self) -> None:
        self.count += 1
        self.last = time.monotonic()

    def kills(self, seconds: float) -> None:
        """kill -9 of a random process every 1-3 s."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            time.sleep(self.rng.uniform(1, 3))
            self.sup.kill_random(self.rng)
            self._done()

    def redis_loss(self) -> None:
        self.redis.flushall()
        self._done()
        time.sleep(1)
        self.redis.restart()
        self._done()

    def postgres_cut(self) -> None:
        for _ in range(2):
            terminate_backends(*self.pg)
            self._done()
            time.sleep(2)

    def storage_outage(self) -> None:
        self.s3.stop()
        time.sleep(STORAGE_OUTAGE)
        self.s3.start()
        self._done()

    def run(self, scenario: str) -> None:
        time.sleep(1.5)  # mid-burst
        if scenario == "kill":
            self.kills(12)
        steps = {"redis": [self.redis_loss], "postgres": [self.postgres_cut]}
        steps["storage"] = [self.storage_outage]
        steps["all"] = [self.redis_loss, self.postgres_cut, self.storage_outage]
        killer = None
        if scenario == "all":
            killer = threading.Thread(target=self.kills, args=(12,))
            killer.start()
        for step in steps.get(scenario, []):
            step()
        if killer is not None:
            killer.join()


def _paced_burst(app_url: str, cohort: Cohort, seconds: float) -> None:
    """The cohort's last milestones, spread over ``seconds`` so faults land mid-burst."""
    steps = list(cohort.last_steps)
    random.Random(7).shuffle(steps)
    chunks = max(1, int(seconds / 0.25))
    for i in range(chunks):
        burst(app_url, steps[i::chunks], threads=2)
        time.sleep(0.25)


def _storm_free(engine: sa.Engine) -> bool:
    """No retry storm: once settled, a few reconciler periods add no event or letter."""
    count = "SELECT (SELECT count(*) FROM event_outbox) + (SELECT count(*) FROM dead_letters)"
    before = scalar(engine, count)
    time.sleep(6)
    return bool(scalar(engine, count) == before)


def _report(row: dict[str, Any]) -> None:
    path = os.environ.get("CHAOS_REPORT")
    if path:
        with Path(path).open("a") as out:
            out.write(json.dumps(row) + "\n")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_exactly_once_under_faults(
    scenario: str,
    chaos_env: dict[str, str],
    chain: tuple[Chain, str],
    own_redis: RedisServer,
    s3_proxy: TcpProxy,
    chaos_store: ObjectStore,
    engine: sa.Engine,
    owner_engine: sa.Engine,
    database_urls: dict[str, str],
    database_name: str,
    pg_admin_url: str,
    tmp_path: Path,
) -> None:
    found, _ = chain
    cohort = seed_cohort(owner_engine, found.lock, LEARNERS, bad=scenario in ("bad_input", "all"))
    with Supervisor(chaos_env, tmp_path) as sup:
        faults = Faults(sup, own_redis, s3_proxy, (pg_admin_url, database_name))
        app = threading.Thread(target=_paced_burst, args=(database_urls["app"], cohort, 4.0))
        app.start()
        faults.run(scenario)
        app.join()
        last = max(faults.last, time.monotonic() if faults.count == 0 else faults.last)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while not (done := settled(engine, cohort)) and time.monotonic() < deadline:
            time.sleep(0.5)
        seconds = time.monotonic() - last
        storm_free = done and _storm_free(engine)
    result = invariants(engine, found, chaos_store, cohort)
    bad = len(cohort.refused) + cohort.unknown_milestones
    row = {
        "scenario": scenario,
        "learners": len(cohort.good) + len(cohort.refused),
        "faults": faults.count + bad,
        "settled": done,
        "duplicates": sum(result["duplicates"].values()),
        "lost": sum(result["lost"].values()),
        "seconds": round(seconds, 1),
        "restarts": sup.restarts,
    }
    _report(row)
    logs = {p.name: p.read_text()[-3000:] for p in tmp_path.glob("*.log")}
    assert done, f"not settled in {SETTLE_TIMEOUT}s: {row} {logs}"
    assert result == {
        "duplicates": {"keys": 0, "attestations": 0, "activities": 0},
        "lost": {"keys": 0, "attestations": 0, "pdfs": 0},
    }
    assert storm_free
    _bad_input_is_recorded_and_readable(engine, cohort)


def _bad_input_is_recorded_and_readable(engine: sa.Engine, cohort: Cohort) -> None:
    ghosts = rows(engine, "SELECT * FROM dead_letters WHERE actor = 'check_completion'")
    assert [(g.permanent, g.retries, g.error_type) for g in ghosts] == [
        (True, 0, "BadEvent")
    ] * cohort.unknown_milestones
    assert all("is not a milestone of any cohort" in g.reason for g in ghosts)
    errors = rows(
        engine,
        "SELECT certificate_last_error FROM bootcamp_enrollments WHERE id = ANY(:ids)",
        ids=cohort.refused,
    )
    assert all(e.certificate_last_error and len(e.certificate_last_error) < 500 for e in errors)

"""The periodic scheduler: reconcile and retention on APScheduler, each run under a
Postgres advisory lock, so any number of schedulers may run and no job ever runs
twice at once (a run whose lock is taken elsewhere is skipped and logged)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import Counter, Gauge

from certflow.errors import CertflowError
from certflow.settings import Settings
from db.operations import job_lock
from events.routes import redeliverable
from issuance.operations.reconcile import prune_once, reconcile_once

log = structlog.get_logger("certflow.scheduler")

RUNS = Counter(
    "certflow_scheduler_job_runs",
    "Scheduled job runs by outcome: ok, failed, or skipped (another scheduler held the lock).",
    ["job", "outcome"],
)
LAST_SUCCESS = Gauge(
    "certflow_scheduler_job_last_success_timestamp_seconds",
    "When each job last finished without error (Unix time).",
    ["job"],
)


@dataclass(frozen=True)
class Job:
    name: str
    every: float
    run: Callable[[], object]


def default_jobs(settings: Settings, engine: sa.Engine) -> list[Job]:
    """The reconciler's healing pass and retention, at their configured periods."""
    routes = redeliverable()
    return [
        Job(
            "reconcile",
            settings.schedule_reconcile_seconds,
            lambda: reconcile_once(settings, engine, routes, retention=False),
        ),
        Job("retention", settings.schedule_retention_seconds, lambda: prune_once(settings, engine)),
    ]


class Scheduler:
    """Runs each job every ``job.every`` seconds (the first run at start) until stopped."""

    def __init__(self, engine: sa.Engine, jobs: list[Job]) -> None:
        self.engine = engine
        self.jobs = jobs
        # One run of a job at a time in this process; a late run is coalesced, not queued.
        self._aps = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    def start(self) -> None:
        now = datetime.now(UTC)
        for job in self.jobs:
            self._aps.add_job(
                self.run_job, "interval", seconds=job.every, args=[job], id=job.name,
                next_run_time=now,
            )  # fmt: skip
        self._aps.start()
        log.info("scheduler_started", jobs={job.name: job.every for job in self.jobs})

    def stop(self, grace: float) -> bool:
        """Start no new run; wait up to ``grace`` seconds for running ones. True if they ended."""
        waiter = threading.Thread(target=self._aps.shutdown, kwargs={"wait": True}, daemon=True)
        waiter.start()
        waiter.join(grace)
        finished = not waiter.is_alive()
        log.info("scheduler_stopped", finished=finished)
        return finished

    def run_job(self, job: Job) -> str:
        """One run under the job's lock: 'ok', 'failed', or 'skipped' when it is held."""
        outcome = "failed"
        try:
            with job_lock(self.engine, job.name) as taken:
                if not taken:
                    outcome = "skipped"
                    log.info("scheduled_job_skipped", job=job.name, reason="lock held elsewhere")
                    return outcome
                log.info("scheduled_job_started", job=job.name)
                job.run()
                outcome = "ok"
                log.info("scheduled_job_finished", job=job.name)
        except CertflowError as exc:
            log.warning("scheduled_job_failed", job=job.name, error=exc.user_message)
        finally:
            RUNS.labels(job.name, outcome).inc()
            if outcome == "ok":
                LAST_SUCCESS.labels(job.name).set_to_current_time()
        return outcome

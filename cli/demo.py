"""``certflow demo``: the main job end to end on one machine, for people trying certflow.

It migrates, brings up what is not there (a dev chain with the real Unlock and
EAS contracts, an S3-compatible server), starts a relay and a worker as real
processes (as the Procfile does), seeds a bootcamp with a cohort, milestones
and learners, completes their milestones the way an app would, and follows
each learner through completion, automatic claim, key, attestation and PDF.

The services live in ``cli.demo_services`` and the cohort in ``cli.demo_cohort``,
both imported when the demo runs.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack

import click

from certflow.settings import Settings, load_settings
from cli import common


@click.command()
@click.option("--learners", default=12, show_default=True, help="Learners in the demo cohort.")
@click.option("--milestones", default=4, show_default=True, help="Milestones in the demo cohort.")
@click.option(
    "--timeout", default=180.0, show_default=True, help="Seconds to wait for the pipeline."
)
def demo(learners: int, milestones: int, timeout: float) -> None:
    """Run the pipeline end to end: migrate, start relay and worker, seed, complete, report."""
    sys.exit(run_demo(common.settings(), learners=learners, milestones=milestones, timeout=timeout))


def _demo_env(settings: Settings) -> dict[str, str]:
    """The environment of the demo's processes: a new database, migrated, and empty queues."""
    from cli import demo_services
    from db import claims
    from db.migrate import migrate

    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        "AUTO_CLAIM": "true",
        "DATABASE_URL": demo_services.fresh_demo_database(settings),
        "BROKER_NAMESPACE": demo_services.DEMO_NAMESPACE,
    }
    demo_services.clear_demo_queues(settings)
    demo_settings = load_settings(env)
    applied = migrate(demo_settings)
    print(f"database {demo_services.DEMO_DATABASE} (new):")
    for name in applied:
        print(f"  applied {name}")
    # What an admin's `certflow flags` does: workers read the flags from this row.
    with common.transaction(demo_settings) as conn:
        claims.sync_flags(conn, demo_settings)
    return env


def run_demo(settings: Settings, *, learners: int, milestones: int, timeout: float) -> int:
    from cli import demo_cohort, demo_services
    from cli.demo_cohort import COMPLETED, RENDERED
    from db.engine import make_engine
    from issuance.certificates.records import verify_url

    env = _demo_env(settings)
    log_dir = demo_services.LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        env.update(demo_services.chain(settings, stack, env["DATABASE_URL"]))
        env.update(demo_services.storage(settings, stack))
        if "VERIFY_BASE_URL" not in os.environ:
            env.update(demo_services.web_env(settings))
        demo_settings = load_settings(env)
        engine = make_engine(demo_settings, pool_size=2)
        site = demo_services.web(stack, env)
        demo_services.pipeline(stack, env)
        cohort = demo_cohort.seed_cohort(engine, learners, milestones, env["LOCK_ADDRESS"])
        expected = demo_cohort.complete_progress(engine, cohort)
        demo_cohort.wait(engine, cohort, expected, timeout)
        preview, shown = demo_cohort.report(engine, demo_settings, cohort)
        if shown is not None:
            verdict = demo_services.verdict(site, shown)
            print(f"\nopen one learner's certificate page: {verify_url(demo_settings, shown)}")
            print(f"  the site says: {verdict} (it runs until the demo ends)")
        completed = demo_cohort.count(engine, COMPLETED, cohort.cohort_id)
        rendered = demo_cohort.count(engine, RENDERED, cohort.cohort_id)
        engine.dispose()
    print(
        f"\n{completed} of {len(cohort.learners)} learners completed (expected {expected});"
        f" {rendered} certificates on chain and in storage"
    )
    if preview is not None:
        print(f"preview of one certificate: {preview}")
    print(f"process logs: {log_dir}/")
    return 0 if completed == expected == rendered else 1


COMMANDS: list[click.Command] = [demo]

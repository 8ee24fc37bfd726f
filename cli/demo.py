"""``certflow demo``: the main job end to end on one machine, for people trying certflow.

It migrates, brings up what is not there (a dev chain with the real Unlock and
EAS contracts, an S3-compatible server), starts a relay and a worker as real
processes (as the Procfile does), seeds a bootcamp with a cohort, milestones
and learners, completes their milestones the way an app would, has each
learner claim through the HTTP API with a token of a dev identity provider
(its JWKS served on localhost), and follows each learner through completion,
claim, key, attestation and PDF.

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
@click.option(
    "--keep-running",
    is_flag=True,
    help="Keep the site, the S3 server, the chain and the pipeline up until Ctrl-C.",
)
def demo(learners: int, milestones: int, timeout: float, keep_running: bool) -> None:
    """Run the pipeline end to end: migrate, start relay and worker, seed, complete, report."""
    sys.exit(
        run_demo(
            common.settings(),
            learners=learners,
            milestones=milestones,
            timeout=timeout,
            keep_running=keep_running,
        )
    )


def _demo_env(settings: Settings) -> dict[str, str]:
    """The environment of the demo's processes: a new database, migrated, and empty queues."""
    from cli import demo_services
    from db import claims
    from db.migrate import migrate

    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "BOOTCAMP_CERTIFICATES_ENABLED": "true",
        # Each learner claims through the HTTP API with their own token (below).
        "AUTO_CLAIM": "false",
        "DATABASE_URL": demo_services.fresh_demo_database(settings),
        "BROKER_NAMESPACE": demo_services.DEMO_NAMESPACE,
    }
    demo_services.clear_demo_queues(settings)
    demo_settings = load_settings(env)
    applied = migrate(
        load_settings({**env, "DATABASE_URL": demo_services.as_owner(env["DATABASE_URL"])})
    )
    print(f"database {demo_services.DEMO_DATABASE} (new):")
    for name in applied:
        print(f"  applied {name}")
    # What an admin's `certflow flags` does: workers read the flags from this row.
    with common.transaction(demo_settings) as conn:
        claims.sync_flags(conn, demo_settings)
    return env


def run_demo(
    settings: Settings,
    *,
    learners: int,
    milestones: int,
    timeout: float,
    keep_running: bool = False,
) -> int:
    from cli import demo_api, demo_cohort, demo_services, demo_signing, demo_webhooks
    from cli.demo_cohort import COMPLETED, RENDERED
    from cli.dev_identity import DevIdentity
    from db.engine import make_engine
    from issuance.certificates.records import verify_url

    env = _demo_env(settings)
    demo_services.LOG_DIR.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        env.update(demo_services.chain(settings, stack, env["DATABASE_URL"]))
        env.update(demo_services.storage(settings, stack))
        env.update(demo_signing.signing_env())
        if "VERIFY_BASE_URL" not in os.environ:
            env.update(demo_services.web_env(settings))
        env["API_DATABASE_URL"] = demo_api.api_login(settings, env["DATABASE_URL"])
        # The app's webhook receiver is on this machine: development only.
        env["WEBHOOK_ALLOW_PRIVATE"] = "true"
        hooks, hook_url = stack.enter_context(demo_webhooks.receiving())
        demo_webhooks.register(env, hooks, hook_url)
        demo_settings = load_settings(env)
        engine = make_engine(demo_settings, pool_size=2)
        idp = stack.enter_context(DevIdentity())
        site = demo_services.web(stack, env)
        demo_services.pipeline(stack, env)
        cohort = demo_cohort.seed_cohort(engine, learners, milestones, env["LOCK_ADDRESS"])
        named = demo_api.subjects(engine, cohort, idp)
        expected = demo_cohort.complete_progress(engine, cohort)
        demo_cohort.wait_completed(engine, cohort, expected, timeout)
        claimed = dict(sorted(demo_api.claim_completed(site, cohort, idp, named).items()))
        print(f"claims through POST /api/v1/certificates/claim, by HTTP status: {claimed}")
        demo_cohort.wait(engine, cohort, expected, timeout)
        preview, shown = demo_cohort.report(engine, demo_settings, cohort)
        if shown is not None:
            verdict = demo_services.verdict(site, shown)
            print(f"\nopen one learner's certificate page: {verify_url(demo_settings, shown)}")
            print(f"  the site says: {verdict} (it runs until the demo ends)")
            site_root = demo_settings.verify_base_url.rstrip("/").removesuffix("/verify")
            print(f"  its Open Badges credential: {site_root}/credentials/{shown}.json")
        demo_webhooks.report(hooks, demo_webhooks.wait_delivered(engine, timeout))
        completed = demo_cohort.count(engine, COMPLETED, cohort.cohort_id)
        rendered = demo_cohort.count(engine, RENDERED, cohort.cohort_id)
        engine.dispose()
        print(
            f"\n{completed} of {len(cohort.learners)} learners completed (expected {expected});"
            f" {rendered} certificates on chain and in storage"
        )
        if preview is not None:
            print(f"preview of one certificate: {preview}")
        _leave(env, keep_running)
    return 0 if completed == expected == rendered else 1


def _leave(env: dict[str, str], keep_running: bool) -> None:
    """Write var/demo/env, say where everything is, and keep the services up if asked."""
    from cli import demo_services

    env_file = demo_services.write_env(env)
    print(f"process logs: {demo_services.LOG_DIR}/")
    print(
        f"the demo's environment: {env_file} (`set -a; . {env_file}; set +a`, then"
        " certflow web, certflow status, ...)"
    )
    if not keep_running:
        print("the services stop now; `scripts/demo --keep-running` keeps them up until Ctrl-C")
        return
    print("the site, the S3 server, the chain and the pipeline keep running: Ctrl-C stops them")
    sys.stdout.flush()
    demo_services.keep_running()


COMMANDS: list[click.Command] = [demo]

"""A scrape of each process type (relay, worker, scheduler, web), run as the Procfile
runs them, returns the named metrics, and their values move when work is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from eth_account import Account
from prometheus_client.parser import text_string_to_metric_families
from web3 import Web3

from certflow import metrics
from chain.devnode import DevNode, free_port
from db import seed
from tests.acceptance.processes import env_for, running
from tests.chaos.cohort import burst
from tests.fixtures.database import wait_until
from tests.integration.certificates.conftest import fund
from tests.integration.helpers import scalar

pytestmark = pytest.mark.slow

Samples = dict[tuple[str, str], float]
#: Process type -> its command.
COMMANDS = {
    "relay": ["relay"],
    "worker": ["worker", "--queues", "completion", "--processes", "1", "--threads", "2"],
    "scheduler": ["scheduler"],
    "web": ["web"],
}


def scrape(port: int) -> Samples:
    """Every sample, keyed by its name and its sorted labels ("job=reconcile,outcome=ok")."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (sample.name, ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _names(samples: Samples) -> set[str]:
    return {name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
            for name, _ in samples}  # fmt: skip


def _answering(port: int) -> bool:
    try:
        scrape(port)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture
def processes(
    database_url: str, redis_url: str, anvil_node: DevNode, w3: Web3, tmp_path: Path
) -> Iterator[dict[str, int]]:
    ports = {name: free_port() for name in COMMANDS}
    signer = Account.create().address
    fund(w3, signer, 3 * 10**18)
    env = env_for(
        database_url,
        redis_url,
        RELAY_METRICS_PORT=str(ports["relay"]),
        WORKER_METRICS_PORT=str(ports["worker"]),
        SCHEDULER_METRICS_PORT=str(ports["scheduler"]),
        WEB_METRICS_PORT=str(ports["web"]),
        SCHEDULE_RECONCILE_SECONDS="0.5",
        PORT=str(free_port()),
        RPC_URL=anvil_node.url,
        LOCK_MANAGER_ADDRESS=signer,
        EAS_CONTRACT_ADDRESS="0x" + "22" * 20,
        BOOTCAMP_COMPLETION_SCHEMA_UID="0x" + "33" * 32,
        S3_ACCESS_KEY="k",
        S3_SECRET_KEY="s",  # noqa: S106 - the site only starts; nothing is stored
    )
    with ExitStack() as stack:
        for name, args in COMMANDS.items():
            stack.enter_context(running(args, env, tmp_path / f"{name}.log"))
        for name, port in ports.items():
            _serving(port, tmp_path / f"{name}.log")
        yield ports


def _serving(port: int, log: Path) -> None:
    """Wait until the process of ``log`` answers on its metrics port; fail with its log."""
    try:
        wait_until(lambda: _answering(port), timeout=60, interval=0.1)
    except pytest.fail.Exception:
        pytest.fail(f"{log.stem} serves no metrics: {log.read_text()[-3000:]}")


def _complete_a_cohort_and_a_ghost(owner: sa.Engine, app_url: str) -> None:
    """Two learners finish; a third completes a milestone of no cohort (a dead letter)."""
    with owner.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b", cohort_id="c", milestones=1)
        users = list(seed.enroll_learners(conn, cohort, ["Ada", "Grace", "Ghost"]))
    steps = [(users[0], cohort.milestone_ids[0]), (users[1], cohort.milestone_ids[0])]
    burst(app_url, [*steps, (users[2], "no-such-milestone")], threads=1)


def test_each_process_type_exports_its_metrics_and_they_move(
    processes: dict[str, int], owner_engine: sa.Engine, database_urls: dict[str, str]
) -> None:
    before = {name: scrape(port) for name, port in processes.items()}
    for name in ("relay", "scheduler", "web"):
        assert set(metrics.OPERATIONS) - {"certflow_signer_balance_eth"} <= _names(before[name])
    assert set(metrics.RELAY) <= _names(before["relay"])
    assert before["web"][("certflow_signer_balance_eth", "")] == 3.0
    assert before["scheduler"][("certflow_signer_balance_eth", "")] == 3.0
    assert ("certflow_signer_balance_eth", "") not in before["relay"]  # no web3 in the relay

    _complete_a_cohort_and_a_ghost(owner_engine, database_urls["app"])
    wait_until(
        lambda: (
            scalar(owner_engine, "SELECT count(*) FROM dead_letters") == 1
            and scalar(
                owner_engine,
                "SELECT count(*) FROM bootcamp_enrollments WHERE enrollment_status = 'completed'",
            )
            == 2
        )
    )
    relayed = ("certflow_relay_events_relayed_total", "")
    handled = ("dramatiq_messages_total", "actor_name=check_completion,queue_name=completion")
    runs = ("certflow_scheduler_job_runs_total", "job=reconcile,outcome=ok")
    mid = scrape(processes["scheduler"])[runs]

    def moved() -> dict[str, Samples] | None:
        """Every process's samples, once two more reconcile runs ended and the relay
        and the worker counted the cohort's events."""
        now = {name: scrape(port) for name, port in processes.items()}
        done = (
            now["scheduler"][runs] >= mid + 2
            and now["relay"][relayed] - before["relay"][relayed] >= 5
            and now["worker"].get(handled, 0) >= 1 + before["worker"].get(handled, 0)
        )
        return now if done else None

    after = wait_until(moved, timeout=30, interval=0.1)
    assert after["relay"][relayed] - before["relay"][relayed] >= 5  # 3 milestones, 2 completions
    assert after["worker"].get(handled, 0) >= 1 + before["worker"].get(handled, 0)
    assert set(metrics.WORKERS) <= _names(after["worker"])
    assert {"dramatiq_messages_total", "dramatiq_messages_inprogress",
            "dramatiq_message_duration_milliseconds"} <= _names(after["worker"])  # fmt: skip
    assert after["scheduler"][runs] > before["scheduler"][runs]
    assert set(metrics.SCHEDULER) <= _names(after["scheduler"])
    for name in ("relay", "scheduler", "web"):
        assert before[name][("certflow_dead_letters", "queue=completion")] == 0
        assert after[name][("certflow_dead_letters", "queue=completion")] == 1
        assert after[name][("certflow_outbox_pending", "")] == 0

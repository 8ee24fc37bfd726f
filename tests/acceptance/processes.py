"""Run the real ``certflow`` processes (as the Procfile does) for acceptance tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CERTFLOW = [sys.executable, "-m", "cli"]
ROOT = Path(__file__).resolve().parents[2]


def env_for(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        # Metrics off unless a test asks: other runs on this host may hold the default ports.
        "WORKER_METRICS_PORT": "0",
        "RELAY_METRICS_PORT": "0",
        "SCHEDULER_METRICS_PORT": "0",
        "WEB_METRICS_PORT": "0",
        **extra,
    }


def run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one ``certflow`` command to completion, as a user at a shell would."""
    return subprocess.run(
        [*CERTFLOW, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [*CERTFLOW, *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> int:
    """SIGTERM to the main process (it stops its children) and wait for a clean exit."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    return proc.wait(timeout)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole process group: no clean-up of any kind."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = start(args, env, log)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            kill(proc)

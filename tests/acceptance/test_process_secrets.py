"""Each process type gets only the settings it needs: the signer's key reaches the
chain workers and nothing else (the Procfile's relay, completion and render lines)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.acceptance.processes import env_for, running

DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _environments(pid: int) -> list[bytes]:
    """The environment of ``pid`` and of every descendant (dramatiq forks its workers)."""
    found = [Path(f"/proc/{pid}/environ").read_bytes()]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for child_pid in child.read_text().split():
            found += _environments(int(child_pid))
    return found


def _settled_environments(pid: int, processes: int, log: Path) -> list[bytes]:
    """Once the process logged (it is past any re-exec) and all its children exist."""
    deadline = time.monotonic() + 30
    while True:
        found = _environments(pid)
        started = log.exists() and log.stat().st_size > 0
        if (started and len(found) >= processes) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("args", "processes", "sees_key"),
    [
        (["relay"], 1, False),
        (["worker", "--queues", "completion", "--processes", "1", "--threads", "1"], 2, False),
        (["worker", "--queues", "render", "--processes", "1", "--threads", "1"], 2, False),
        (["worker", "--queues", "chain", "--processes", "1", "--threads", "1"], 2, True),
    ],
)
def test_only_chain_workers_see_the_signer_key(
    args: list[str],
    processes: int,
    sees_key: bool,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    env = env_for(database_url, redis_url, SIGNER_PRIVATE_KEY=DEV_KEY, LOG_LEVEL="DEBUG")
    with running(args, env, tmp_path / "process.log") as proc:
        environments = _settled_environments(proc.pid, processes, tmp_path / "process.log")
        assert proc.poll() is None, (tmp_path / "process.log").read_text()
    assert len(environments) >= processes
    assert [DEV_KEY.encode() in environ for environ in environments] == [sees_key] * len(
        environments
    )


#: A credential signing key: the W3C vc-di-eddsa test vector's (public) Ed25519 key.
CREDENTIAL_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


@pytest.mark.parametrize(
    ("args", "processes", "sees_key"),
    [
        (["relay"], 1, False),
        (["worker", "--queues", "chain", "--processes", "1", "--threads", "1"], 2, False),
        (["worker", "--queues", "render", "--processes", "1", "--threads", "1"], 2, True),
    ],
)
def test_only_render_workers_see_the_credential_key(
    args: list[str],
    processes: int,
    sees_key: bool,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    env = env_for(database_url, redis_url, CREDENTIAL_SIGNING_KEY=CREDENTIAL_KEY, LOG_LEVEL="DEBUG")
    with running(args, env, tmp_path / "process.log") as proc:
        environments = _settled_environments(proc.pid, processes, tmp_path / "process.log")
        assert proc.poll() is None, (tmp_path / "process.log").read_text()
    assert len(environments) >= processes
    assert [CREDENTIAL_KEY.encode() in environ for environ in environments] == [sees_key] * len(
        environments
    )

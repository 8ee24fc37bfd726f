"""The processes of a certificate burst: certflow's own, and a local S3 server.

Each phase runs the Procfile's process types that a claim goes through (a
relay, chain workers, render workers) as real subprocesses; the layout
(processes x threads per queue) is the phase's to choose.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOGS = Path("var/bench")
S3_KEYS = {"S3_ACCESS_KEY": "bench-access-key", "S3_SECRET_KEY": "bench-secret-key"}


@dataclass(frozen=True)
class Layout:
    """Worker processes x threads for the chain and the render queue."""

    chain: tuple[int, int]
    render: tuple[int, int]

    def describe(self) -> str:
        return (
            f"chain {self.chain[0]}x{self.chain[1]} threads,"
            f" render {self.render[0]}x{self.render[1]} threads"
        )


def start(args: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / log).open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_phase(env: dict[str, str], name: str, layout: Layout) -> list[subprocess.Popen[bytes]]:
    """The relay and the workers of one phase."""
    procs = [start(["relay"], env, f"certs-{name}-relay.log")]
    for queue, (processes, threads) in (("chain", layout.chain), ("render", layout.render)):
        argv = ["worker", "-Q", queue, "--processes", str(processes), "--threads", str(threads)]
        procs.append(start(argv, env, f"certs-{name}-{queue}.log"))
    return procs


def cpu_seconds(pid: int) -> float:
    """User and system CPU of ``pid`` and every process below it, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except OSError:
        pass  # gone meanwhile
    return total


def cpu_by_role(roles: dict[str, list[int]]) -> dict[str, float]:
    return {role: sum(cpu_seconds(pid) for pid in pids) for role, pids in roles.items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    pid: int


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server on a free local port."""
    port = _free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / "certs-s3.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the S3 server did not start") from None
                time.sleep(0.05)
        yield S3Server(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        proc.kill()
        proc.wait()

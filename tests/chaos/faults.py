"""What the chaos suite breaks: processes (kill -9, restarted as a supervisor would), a
Redis server of its own (FLUSHALL, restart), Postgres connections, the S3 server."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import redis

from tests.acceptance.processes import start
from tests.fixtures.s3 import free_port

#: The Procfile's process types (the scheduler's reconcile period is shortened by
#: ``chaos_env``).
PROCFILE = {
    "relay": ["relay"],
    "completion": ["worker", "--queues", "completion", "--processes", "1", "--threads", "8"],
    "chain": ["worker", "--queues", "chain", "--processes", "1", "--threads", "4"],
    "render": ["worker", "--queues", "render", "--processes", "1", "--threads", "2"],
    "scheduler": ["scheduler"],
}


class Supervisor:
    """Runs one of each process type and restarts any that dies, as systemd or a
    container orchestrator would (restart on exit, a short back-off)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Supervisor:
        for name in PROCFILE:
            self._start(name)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for proc in self.procs.values():
            _killpg(proc)

    def _start(self, name: str) -> None:
        self.procs[name] = start(PROCFILE[name], self.env, self.logs / f"{name}.log")

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for name, proc in list(self.procs.items()):
                if proc.poll() is not None:
                    self.restarts += 1
                    self._start(name)

    def kill_random(self, rng: random.Random) -> str:
        """kill -9 of one process type's whole group (worker parent and children)."""
        name = rng.choice(sorted(self.procs))
        _killpg(self.procs[name])
        return name


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


class RedisServer:
    """A redis-server of the test's own, configured as scripts/services runs Redis (AOF
    every second, no eviction), so FLUSHALL and restarts touch nobody else."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec",
             "--maxmemory-policy", "noeviction", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def flushall(self) -> None:
        redis.Redis.from_url(self.url).flushall()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(10)
            self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def terminate_backends(admin_url: str, database: str) -> int:
    """pg_terminate_backend on every certflow connection to ``database`` (as an operator)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = 'certflow_test_worker'",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


class TcpProxy:
    """The S3 endpoint certflow sees: a TCP forwarder to the real server that can be
    stopped (connections refused, open ones cut) and started again. Stopping the
    server itself would lose its objects, which a real outage does not."""

    def __init__(self, target_port: int) -> None:
        self.port, self.target = free_port(), target_port
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

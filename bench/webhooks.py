"""Webhook delivery: deliveries/s from the outbox to a local receiver through the real
processes (a relay and a `webhooks` worker), against a plain loop of signed POSTs to the
same receiver as the baseline; and, idle, event commit to delivery (p50, p95).

    .venv/bin/python bench/webhooks.py [--events 2000] [--runs 3] [--idle 40]
        [--processes 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa

from bench._burst_procs import start, stop
from bench._db import bench_database, median, percentile
from bench._smoke import parse_args
from db import outbox, webhooks
from db.engine import make_engine
from issuance.webhooks import signing

COMMUNITY = "bench"


class Receiver:
    """Counts distinct webhook-ids and when each first arrived."""

    def __init__(self) -> None:
        self.first_seen: dict[str, float] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.first_seen) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def reset(self) -> None:
        with self.lock:
            self.first_seen.clear()


@contextmanager
def receiving() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            key = self.headers.get("webhook-id", "")
            with receiver.changed:
                receiver.first_seen.setdefault(key, time.monotonic())
                receiver.changed.notify_all()
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def seed(engine: sa.Engine, url: str) -> tuple[uuid.UUID, str]:
    """A community, a learner, one endpoint for achievement.unlocked; (learner, secret)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO communities (id, name) VALUES (:c, 'Bench')"), {"c": COMMUNITY}
        )
        learner = conn.execute(
            sa.text("INSERT INTO user_profiles (community_id) VALUES (:c) RETURNING id"),
            {"c": COMMUNITY},
        ).scalar_one()
        _, secret = webhooks.create_endpoint(conn, COMMUNITY, url, ["achievement.unlocked"])
    return learner, secret


def emit(engine: sa.Engine, learner: uuid.UUID, count: int) -> None:
    """``count`` achievement.unlocked events committed in one transaction."""
    with engine.begin() as conn:
        for _ in range(count):
            achievement = uuid.uuid4()
            outbox.emit(
                conn,
                "achievement.unlocked",
                {"user_profile_id": str(learner), "achievement_id": str(achievement), "code": "b"},
                f"achievement.unlocked:{learner}:{achievement}",
            )


def baseline(receiver: Receiver, url: str, secret: str, count: int) -> float:
    """Deliveries/s of a plain loop: sign with standardwebhooks and POST, one at a time."""
    receiver.reset()
    host, port = url.split("//")[1].split("/", maxsplit=1)[0].split(":")
    body = json.dumps({"type": "achievement.unlocked", "timestamp": "t", "data": {}}).encode()
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=15)  # kept alive, as the engine
    for _ in range(count):
        delivery_id = webhooks.new_delivery_id()
        headers = signing.headers(delivery_id, body, [secret], dt.datetime.now(dt.UTC))
        conn.request("POST", "/hook", body=body, headers=headers)
        conn.getresponse().read()
    conn.close()
    return count / (time.perf_counter() - started)


def through_engine(engine: sa.Engine, receiver: Receiver, learner: uuid.UUID, count: int) -> float:
    """Deliveries/s from the commit of ``count`` events to the last one received."""
    receiver.reset()
    started = time.monotonic()
    emit(engine, learner, count)
    if not receiver.wait_for(count, timeout=max(60.0, count / 20)):
        raise SystemExit(f"only {len(receiver.first_seen)} of {count} delivered")
    return count / (max(receiver.first_seen.values()) - started)


def idle_latency(
    engine: sa.Engine, receiver: Receiver, learner: uuid.UUID, runs: int
) -> list[float]:
    """Seconds from one event's commit to its delivery, the pipeline idle between events."""
    seen: list[float] = []
    for _ in range(runs):
        receiver.reset()
        time.sleep(0.2)
        started = time.monotonic()
        emit(engine, learner, 1)
        if not receiver.wait_for(1, timeout=10):
            raise SystemExit("an idle event was not delivered within 10 s")
        seen.append(max(receiver.first_seen.values()) - started)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=int, default=40)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parse_args(parser, events=100, runs=1, idle=5)
    with bench_database("certflow_bench_webhooks") as settings, receiving() as (receiver, url):
        engine = make_engine(settings, pool_size=2)
        learner, secret = seed(engine, url)
        env = {
            "DATABASE_URL": settings.database_url,
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "LOG_LEVEL": "WARNING",
            "WORKER_METRICS_PORT": "0",
            "RELAY_METRICS_PORT": "0",
            "BROKER_NAMESPACE": f"certflow-bench-{os.getpid()}",
        }
        workers = ["worker", "-Q", "webhooks", "--processes", str(args.processes)]
        procs = [
            start(["relay"], env, "webhooks-relay.log"),
            start([*workers, "--threads", str(args.threads)], env, "webhooks-worker.log"),
        ]
        try:
            idle_latency(engine, receiver, learner, 3)  # warm up: connections, imports
            latencies = idle_latency(engine, receiver, learner, args.idle)
            rates = [
                through_engine(engine, receiver, learner, args.events) for _ in range(args.runs)
            ]
        finally:
            stop(*procs)
            engine.dispose()
        plain = [baseline(receiver, url, secret, args.events) for _ in range(args.runs)]
    engine_rate, plain_rate = median(rates), median(plain)
    print(
        f"events: {args.events}, runs: {args.runs},"
        f" webhooks worker: {args.processes}x{args.threads}"
    )
    print(f"deliveries_per_second (outbox -> signed POST, median): {engine_rate:.0f}")
    print(f"deliveries_per_second baseline (plain loop of signed POSTs): {plain_rate:.0f}")
    print(f"ratio engine/baseline: {engine_rate / plain_rate:.2f}")
    print(
        f"idle commit_to_delivery_ms p50: {median(latencies) * 1000:.1f}"
        f" p95: {percentile(latencies, 95) * 1000:.1f} (n={len(latencies)})"
    )


if __name__ == "__main__":
    main()

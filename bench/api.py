"""The HTTP API's throughput and latency, against the same server's no-I/O endpoint.

One `certflow web` process (uvicorn, one worker, as the Procfile runs it) with
the API on, its login a member of certflow_api, request lines logged (JSON, to
a file), rate limits counted in Redis. The load comes from this process: an
asyncio httpx client holding --concurrency keep-alive connections, on the same
machine (so the figures include the client's share of the CPU). Measured in one
run, in this order:

- ``GET /api/v1/health``: no I/O, the server's own ceiling (the baseline);
- ``GET /api/v1/cohorts/{id}/completion-status`` with learners' JWTs, the
  JWKS cache warm: token check, rate limit (Redis), identity and role
  (Postgres), the status;
- ``POST /api/v1/certificates/claim``: one claim per learner (each writes the
  claim lock and its outbox event).

    .venv/bin/python bench/api.py [--learners 2000] [--requests 5000] [--concurrency 32]
        [--web-processes 1]
    .venv/bin/python bench/api.py --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa
from psycopg import sql

from bench._burst_procs import cpu_seconds, start, stop
from bench._db import ADMIN_URL, bench_database, percentile
from certflow.settings import Settings
from chain.devnode import free_port
from cli.dev_identity import DevIdentity
from db import api_keys
from db.community_auth import CommunityAuth, save
from db.engine import make_engine

SEED = """
INSERT INTO communities (id, name) VALUES ('bench', 'Bench');
INSERT INTO bootcamp_programs (id, name, lock_address, community_id)
VALUES ('b', 'B', '0x1111111111111111111111111111111111111111', 'bench');
INSERT INTO cohorts (id, bootcamp_program_id, name) VALUES ('c', 'b', 'C');
INSERT INTO user_profiles (privy_user_id, display_name, community_id)
SELECT 'did:bench:' || i, 'L' || i, 'bench' FROM generate_series(1, {n}) i;
INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id, enrollment_status, completion_date)
SELECT id, 'c', 'completed', now() FROM user_profiles WHERE community_id = 'bench';
UPDATE certificate_flags SET certificates_enabled = true;
ANALYZE
"""


@contextmanager
def api_login(settings: Settings) -> Iterator[str]:
    """A LOGIN user of certflow_api for this run, dropped afterwards."""
    name = f"certflow_bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN IN ROLE certflow_api").format(sql.Identifier(name))
        )
    url = sa.engine.make_url(settings.database_url).set(username=name, password=None)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


Plan = list[tuple[str, str, dict[str, str], dict[str, str] | None]]


async def _load(
    bases: list[str], paths: Plan, concurrency: int
) -> tuple[float, list[float], dict[int | str, int]]:
    """Send every request with ``concurrency`` in flight, spread over the web processes
    (``bases``, as a platform's router would): (seconds, latencies ms, statuses)."""
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}
    queue = list(reversed(paths))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpx.AsyncClient(base_url=b, limits=limits, timeout=30) for b in bases]
    try:

        async def worker(client: httpx.AsyncClient) -> None:
            while queue:
                method, path, headers, body = queue.pop()
                began = time.perf_counter()
                status: int | str
                try:
                    response = await client.request(method, path, headers=headers, json=body)
                    status = response.status_code
                except httpx.TransportError as exc:  # counted, not hidden
                    status = type(exc).__name__
                latencies.append((time.perf_counter() - began) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(concurrency)))
    finally:
        for client in clients:
            await client.aclose()
    return time.perf_counter() - started, latencies, statuses


def _report(
    name: str,
    seconds: float,
    latencies: list[float],
    statuses: dict[int | str, int],
    cpu_ms: float,
) -> None:
    counts = dict(sorted(statuses.items(), key=str))
    print(
        f"{name:<32} {len(latencies) / seconds:6.0f}/s  p50 {percentile(latencies, 50):6.1f} ms"
        f"  p95 {percentile(latencies, 95):6.1f} ms  server CPU {cpu_ms:5.2f} ms/request"
        f"  statuses {counts}"
    )


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("the web process did not start; see var/bench/") from None
            time.sleep(0.1)


def run(settings: Settings, args: argparse.Namespace) -> None:
    engine = make_engine(settings, pool_size=2)
    with engine.begin() as conn:
        conn.exec_driver_sql(SEED.format(n=int(args.learners)))
    with DevIdentity() as idp, api_login(settings) as api_url:
        with engine.begin() as conn:
            save(conn, CommunityAuth("bench", idp.jwks_url, idp.issuer, idp.audience))
            api_keys.create(conn, "bench", "bench")
        engine.dispose()
        ports = [free_port() for _ in range(args.web_processes)]
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "API_DATABASE_URL": api_url,
            "LOG_FORMAT": "json",
            "WEB_METRICS_PORT": "0",
            "BROKER_NAMESPACE": f"bench-api-{uuid.uuid4().hex[:6]}",
            "API_KEY_RATE_LIMIT": "100000000/minute",
            "API_LEARNER_RATE_LIMIT": "100000000/minute",
            "S3_ACCESS_KEY": "unused",
            "S3_SECRET_KEY": "unused",
            "LOCK_MANAGER_ADDRESS": "0x" + "22" * 20,
            "EAS_CONTRACT_ADDRESS": "0x" + "33" * 20,
            "BOOTCAMP_COMPLETION_SCHEMA_UID": "0x" + "44" * 32,
        }
        webs = [start(["web", "--port", str(p)], env, "api-bench-web.log") for p in ports]
        try:
            for port in ports:
                wait_port(port, 30)
            bases = [f"http://127.0.0.1:{port}/api/v1" for port in ports]
            measure(bases, idp, args, [web.pid for web in webs])
        finally:
            stop(*webs)
    print(f"server log: {Path('var/bench/api-bench-web.log')}")


def measure(bases: list[str], idp: DevIdentity, args: argparse.Namespace, pids: list[int]) -> None:
    tokens = [
        {"Authorization": f"Bearer {idp.token(f'did:bench:{i}')}"}
        for i in range(1, args.learners + 1)
    ]
    one: Plan = [("GET", "/cohorts/c/completion-status", tokens[0], None)]
    warm = one * 20 * len(bases)
    asyncio.run(_load(bases, warm, 4 * len(bases)))
    health_one: Plan = [("GET", "/health", {}, None)]
    health = health_one * args.requests
    status: Plan = [
        ("GET", "/cohorts/c/completion-status", tokens[i % len(tokens)], None)
        for i in range(args.requests)
    ]
    claims: Plan = [("POST", "/certificates/claim", t, {"cohortId": "c"}) for t in tokens]
    print(
        f"{args.requests} requests each, {args.concurrency} in flight; {len(claims)} claims;"
        f" {len(bases)} web process(es)"
    )
    print("(server CPU: the web processes' own CPU per request, whatever else the machine runs)")
    for name, plan in (
        ("GET /health (baseline, no I/O)", health),
        ("GET completion-status (JWT)", status),
        ("POST certificates/claim (JWT)", claims),
    ):
        before = sum(cpu_seconds(pid) for pid in pids)
        seconds, latencies, statuses = asyncio.run(_load(bases, plan, args.concurrency))
        cpu_ms = (sum(cpu_seconds(pid) for pid in pids) - before) * 1000 / len(plan)
        _report(name, seconds, latencies, statuses, cpu_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--web-processes", type=int, default=1, help="certflow web processes")
    parser.add_argument("--smoke", action="store_true", help="a few requests: does it run?")
    args = parser.parse_args()
    if args.smoke:
        args.learners, args.requests, args.concurrency = 20, 100, 4
    with bench_database("certflow_api") as settings:
        run(settings, args)


if __name__ == "__main__":
    main()

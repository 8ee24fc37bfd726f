"""The verify page under load with a warm cache, against static pages from the same server.

Run from the repository root: ``.venv/bin/python -m bench.verify_page [SECONDS] [CLIENTS]``
(``--smoke``: 0.2 s, 2 clients).

Sets up what a deployment has: a fresh migrated database, an S3-compatible
server, anvil with the real PublicLock and EAS contracts (or the configured
RPC_URL and S3_ENDPOINT when they answer, as the demo does), one certificate
issued on chain and rendered; then starts ``certflow web`` as its own
process (one uvicorn process, as the Procfile runs it). After one warming
request, CLIENTS keep-alive connections request each target for SECONDS,
three rounds interleaved; it prints requests/s (median of the rounds) and
p50/p95 latency (all rounds) per target. The baselines are served by the
same process in the same run: the stylesheet (a static file) and the lookup
page (a template with no database or chain read).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import threading
import time
import uuid
from contextlib import ExitStack

import sqlalchemy as sa
from eth_account import Account

from bench._db import bench_database, median, percentile
from bench._smoke import parse_args
from certflow.settings import Settings, load_settings
from chain.attestation import CompletionAttestation, attest_calldata, parse_attested
from chain.devnode import free_port
from chain.lock import grant_keys_calldata
from chain.rpc import make_web3
from chain.transactions import Signer, send_direct
from cli import demo_services
from db import seed
from db.engine import make_engine
from db.ledger import LedgerKey
from issuance.certificates.certificate_pdf import render_certificate
from render.storage import ObjectStore

COMPLETED_AT = dt.datetime(2025, 3, 12, 15, 30, tzinfo=dt.UTC)


def issue_one(settings: Settings, engine: sa.Engine) -> uuid.UUID:
    """A learner with a key and an attestation on chain, and their certificate rendered."""
    w3 = make_web3(settings.rpc_url)
    assert settings.signer_private_key is not None
    signer = Signer.from_key(settings.signer_private_key.get_secret_value())
    lock, eas = os.environ["BENCH_LOCK"], str(settings.eas_contract_address)
    wallet = str(Account.create().address)
    key_tx = send_direct(w3, signer, lock, grant_keys_calldata([wallet], signer.address)).tx_hash
    completion = CompletionAttestation(
        "c1", "Cohort 7", "b1", "Solidity Foundations", wallet,
        int(COMPLETED_AT.timestamp()), 450, key_tx,
    )  # fmt: skip
    data = attest_calldata(str(settings.bootcamp_completion_schema_uid), completion)
    [event] = parse_attested(send_direct(w3, signer, eas, data).receipt, eas)
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b1", cohort_id="c1", milestones=3, xp_per_milestone=150,
            bootcamp_title="Solidity Foundations", cohort_name="Cohort 7", lock_address=lock,
        )  # fmt: skip
        [(_, enrollment)] = seed.enroll_learners(conn, cohort, ["Amélie Dubois"], [wallet]).items()
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = :at, certificate_issued = true, certificate_tx_hash = :tx,"
                " certificate_attestation_uid = :uid WHERE id = :id"
            ),
            {"at": COMPLETED_AT, "tx": key_tx, "uid": event.uid, "id": enrollment},
        )
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    key = LedgerKey("render_certificate", f"bench:{enrollment}", None)
    result = render_certificate(engine, store, settings, enrollment, key)
    assert result.certificate is not None
    return result.certificate.id


def load(port: int, path: str, seconds: float, clients: int) -> tuple[float, list[float]]:
    """Requests/s and each request's latency (seconds) from ``clients`` keep-alive connections."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    deadline = time.monotonic() + seconds

    def client(mine: list[float]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            start = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
                return
        conn.close()

    threads = [threading.Thread(target=client, args=(mine,)) for mine in latencies]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    done = [value for mine in latencies for value in mine]
    return len(done) / (time.monotonic() - began), done


def wait_for(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the site did not answer {path}; see {demo_services.LOG_DIR}")
        time.sleep(0.2)


def run(seconds: float, clients: int) -> None:
    with bench_database("certflow_bench_web") as db, ExitStack() as stack:
        env = {**os.environ, "DATABASE_URL": db.database_url, "LOG_LEVEL": "WARNING"}
        env.update(demo_services.chain(db, stack, db.database_url))
        env.update(demo_services.storage(db, stack))
        port = free_port()
        env.update(PORT=str(port), VERIFY_BASE_URL=f"http://127.0.0.1:{port}/verify")
        os.environ["BENCH_LOCK"] = env["LOCK_ADDRESS"]
        settings = load_settings(env)
        engine = make_engine(settings, pool_size=1)
        cert_id = issue_one(settings, engine)
        engine.dispose()
        demo_services.web(stack, env)
        targets = {
            "static file /static/site.css (baseline)": "/static/site.css",
            "lookup page /verify, no I/O (baseline)": "/verify",
            "verify page /verify/<id>, warm cache": f"/verify/{cert_id}",
        }
        wait_for(port, targets["verify page /verify/<id>, warm cache"])  # warms the cache
        rates: dict[str, list[float]] = {name: [] for name in targets}
        times: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(3):
            for name, path in targets.items():
                rate, latencies = load(port, path, seconds, clients)
                rates[name].append(rate)
                times[name] += latencies
        print(f"\n{clients} keep-alive clients, 3 rounds of {seconds:g} s per target")
        for name in targets:
            p50, p95 = percentile(times[name], 50) * 1000, percentile(times[name], 95) * 1000
            print(f"{name}: {median(rates[name]):,.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("seconds", type=float, nargs="?", default=5.0, help="per target, per round")
    parser.add_argument("clients", type=int, nargs="?", default=8)
    args = parse_args(parser, seconds=0.2, clients=2)
    run(args.seconds, args.clients)


if __name__ == "__main__":
    main()

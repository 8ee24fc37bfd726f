"""What the fault scenarios share (and ``bench/chain_faults.py`` too).

- ``seed_claims``: completed enrollments of a lock, claimed the way the app does.
- ``settle``: work them the way the workers and the reconciler do (a first
  delivery, then retries that take a stalled batch over, then the
  reconciler) until each is attested or refused with a recorded error.
- ``chain_invariants``: what the chain says, not certflow's rows: one
  Transfer per learner per lock, one Attested per enrollment, every recorded
  uid resolving to its enrollment, and the signer's nonces contiguous.
- ``HostileProxy``: an RPC endpoint with an API key in its URL that answers
  429 or 500 to some requests and forwards the rest to anvil.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import requests
import sqlalchemy as sa
import structlog
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from certflow.errors import CertflowError
from chain.abi import ZERO_ADDRESS, address_topic, checksum, topic_address
from chain.attestation import ATTESTED, get_attestation
from chain.lock import TRANSFER, grant_keys_calldata
from chain.logs import LogScan, get_logs
from chain.transactions import account_nonce
from db import grants, seed
from db.chain_transactions import ChainTransaction
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.operations.reconcile import reconcile_chain

log = structlog.get_logger("tests.chain_faults")

#: How long an outage lasts in the tests (the issue's 30 s; shorter by default, since
#: what is asserted does not depend on the length: CERTFLOW_FAULT_SECONDS=30 runs it so).
OUTAGE_SECONDS = float(os.environ.get("CERTFLOW_FAULT_SECONDS", "5"))

#: Faster than production, so that each fault settles within seconds.
FAULT_ENV = {
    "BOOTCAMP_CERTIFICATES_ENABLED": "true",
    "DEV_MINE_WHEN_SLOW": "true",
    "RECEIPT_TIMEOUT_SECONDS": "15",
    "RPC_TIMEOUT_SECONDS": "3",
    "KEY_CHECK_TIMEOUT_SECONDS": "3",
    "FEE_BUMP_AFTER_SECONDS": "1",
    "BATCH_STALE_SECONDS": "5",
    "RECONCILE_AFTER_SECONDS": "0",
    "LOG_SCAN_MAX_BLOCKS": "200",
}

#: The scan the invariants use: everything, in chunks small enough to exercise chunking.
FULL_SCAN = LogScan(start_block=0, max_blocks=500)


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    """An anvil cheat code (or any JSON-RPC method); fails on an error answer."""
    response = w3.provider.make_request(RPCEndpoint(method), list(params))
    if "error" in response:
        raise AssertionError(f"{method} failed: {response['error']}")
    return response.get("result")


def fund(w3: Web3, address: str, wei: int = 10**21) -> None:
    rpc(w3, "anvil_setBalance", address, hex(wei))


def new_wallets(count: int) -> list[str]:
    return [str(Account.create().address) for _ in range(count)]


def seed_claims(
    engine: sa.Engine,
    lock: str,
    wallets: list[str | None],
    *,
    cohort_name: str = "Cohort",
    bootcamp_title: str = "Web3 Foundations",
) -> list[UUID]:
    """Completed enrollments in a new cohort of ``lock``, each claimed as the app does."""
    tag = uuid.uuid4().hex[:8]
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id=f"bootcamp-{tag}",
            cohort_id=f"cohort-{tag}",
            milestones=2,
            xp_per_milestone=100,
            bootcamp_title=bootcamp_title,
            cohort_name=cohort_name,
            lock_address=lock,
        )
        added = seed.enroll_learners(
            conn, cohort, [f"Learner {tag}.{i}" for i in range(len(wallets))], wallets
        )
        ids = list(added.values())
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET enrollment_status = 'completed',"
                " completion_date = now(), milestones_completed_at = now() WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )
    with engine.begin() as conn:
        for enrollment_id in ids:
            conn.execute(sa.text("SELECT request_certificate_claim(:id)"), {"id": enrollment_id})
    return ids


def sign_grant_batch(issuer: Issuer, lock: str, first: UUID, batch: str) -> ChainTransaction:
    """What a grant_key run leaves just before it broadcasts: a batch, its grant signed
    and committed (at the fees of now)."""
    with issuer.engine.begin() as conn:
        members = grants.assign_grant_batch(conn, first, lock, batch, 150) or []
    data = grant_keys_calldata([m.wallet for m in members], issuer.key_manager)
    return issuer.sender.prepare("grant_keys", batch, lock, data)


@dataclass(frozen=True)
class State:
    id: UUID
    issued: bool
    in_progress: bool
    uid: str | None
    failed: bool
    error: str | None
    batch: str | None
    wallet: str | None

    @property
    def done(self) -> bool:
        refused = not self.issued and not self.in_progress and self.error is not None
        return self.uid is not None or refused or self.failed


def states(engine: sa.Engine, ids: list[UUID]) -> list[State]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.id, e.certificate_issued, e.certificate_claim_in_progress,"
                " e.certificate_attestation_uid, e.certificate_attestation_failed_at,"
                " e.certificate_last_error, coalesce(e.certificate_attest_batch,"
                " e.certificate_grant_batch), coalesce(e.certificate_wallet_address,"
                " u.wallet_address) FROM bootcamp_enrollments e"
                " JOIN user_profiles u ON u.id = e.user_profile_id WHERE e.id = ANY(:ids)"
                " ORDER BY e.id"
            ),
            {"ids": ids},
        ).all()
    return [State(r[0], r[1], r[2], r[3], r[4] is not None, r[5], r[6], r[7]) for r in rows]


def _step(issuer: Issuer, enrollment_id: UUID, retry: bool) -> None:
    """One delivery of grant_key then attest, as a worker runs them (errors are retried)."""
    try:
        grant_for(issuer, enrollment_id, take_over=retry)
        attest_for(issuer, enrollment_id, take_over=retry)
    except CertflowError as exc:
        log.info("step_failed", enrollment_id=str(enrollment_id), error=str(exc))


def settle(issuer: Issuer, ids: list[UUID], *, timeout: float = 180.0, threads: int = 4) -> float:
    """Seconds until every enrollment is attested or refused; fails after ``timeout``.

    The first pass is the first delivery of each message; later passes are
    retries (which take a stalled batch over), one per batch, and every few
    passes the reconciler runs, as it would in production.
    """
    start = time.monotonic()
    for attempt in itertools.count():
        pending = [s for s in states(issuer.engine, ids) if not s.done]
        if not pending:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{len(pending)} enrollments not settled: {pending[:3]}")
        if attempt and attempt % 5 == 0:
            try:
                reconcile_chain(issuer)
            except CertflowError as exc:
                log.info("reconcile_failed", error=str(exc))
        by_batch = (
            {s.batch or str(s.id): s.id for s in pending}
            if attempt
            else {str(s.id): s.id for s in pending}
        )
        retry = [attempt > 0] * len(by_batch)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(_step, [issuer] * len(by_batch), by_batch.values(), retry))
        if attempt:
            time.sleep(0.2)
    raise AssertionError("unreachable")


class Background:
    """``settle`` in a thread, so that a fault can be injected while it works."""

    def __init__(self, issuer: Issuer, ids: list[UUID], timeout: float = 180.0) -> None:
        self.seconds: float | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.seconds = settle(issuer, ids, timeout=timeout)
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> float:
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.seconds is not None
        return self.seconds


def wait_for(predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        time.sleep(0.01)
    return value


def in_flight(engine: sa.Engine) -> int:
    """Transactions broadcast and not yet seen mined."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM chain_transactions WHERE status = 'broadcast'")
            ).scalar_one()
        )


def errors_shown(engine: sa.Engine, ids: list[UUID]) -> list[Any]:
    """Enrollments showing an error or a failed attestation."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT id, certificate_last_error FROM bootcamp_enrollments"
                    " WHERE id = ANY(:ids) AND (certificate_last_error IS NOT NULL"
                    " OR certificate_attestation_failed_at IS NOT NULL)"
                ),
                {"ids": ids},
            ).all()
        )


@contextmanager
def blocks_keep_coming(w3: Web3, every: float = 0.05) -> Iterator[None]:
    """Empty blocks, as a public chain keeps making them: the base fee falls by 1/8 each."""
    stop = threading.Event()

    def mine() -> None:
        while not stop.wait(every):
            rpc(w3, "evm_mine")

    thread = threading.Thread(target=mine, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# ---------------------------------------------------------------- invariants


def _signer_nonces(w3: Web3, signer: str) -> list[int]:
    """The nonces of every transaction the signer has in the canonical chain."""
    signer = checksum(signer)
    nonces: list[int] = []
    for number in range(int(w3.eth.block_number) + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            assert not isinstance(tx, bytes), "full transactions, not hashes"
            if tx["from"] == signer:
                nonces.append(int(tx["nonce"]))
    return sorted(nonces)


def chain_invariants(
    w3: Web3,
    engine: sa.Engine,
    *,
    lock: str,
    eas: str,
    schema: str,
    signer: str,
    ids: list[UUID],
    foreign_keys: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Check what the chain says; the counts of keys and attestations for the caller.

    ``foreign_keys``: wallets given a key outside certflow (not certflow's to record).
    """
    rows = {s.id: s for s in states(engine, ids)}
    mints = get_logs(w3, lock, [TRANSFER, address_topic(ZERO_ADDRESS)], FULL_SCAN)
    keys = Counter(topic_address(bytes(log["topics"][2])) for log in mints)
    assert all(count == 1 for count in keys.values()), f"a learner got two keys: {keys}"
    for row in rows.values():
        held = keys.get(checksum(row.wallet)) if row.wallet and row.issued else None
        assert not row.issued or held == 1, f"{row.id} issued but holds {held} keys"
        foreign = row.wallet in foreign_keys
        assert row.issued or foreign or not row.wallet or keys.get(_safe(row.wallet)) is None, (
            f"{row.id} holds a key but is not recorded as issued"
        )

    attested = get_logs(w3, eas, [ATTESTED, None, address_topic(signer), schema], FULL_SCAN)
    made: Counter[tuple[str, str]] = Counter()
    for log in attested:
        found = get_attestation(w3, eas, "0x" + bytes(log["data"])[:32].hex())
        assert found is not None
        made[(found.recipient, found.completion().cohort_id)] += 1
    assert all(count == 1 for count in made.values()), f"attested twice: {made}"
    with engine.connect() as conn:
        cohorts: dict[UUID, str] = dict(
            conn.execute(
                sa.text("SELECT id, cohort_id FROM bootcamp_enrollments WHERE id = ANY(:ids)"),
                {"ids": ids},
            ).all()
        )
    for row in rows.values():
        if row.uid is None:
            continue
        found = get_attestation(w3, eas, row.uid)
        assert found is not None, f"{row.id}: recorded uid {row.uid} does not exist"
        assert found.recipient == checksum(row.wallet or "")
        assert found.completion().cohort_id == cohorts[row.id]

    nonces = _signer_nonces(w3, signer)
    assert nonces == list(range(len(nonces))), f"signer nonces not contiguous: {nonces}"
    assert account_nonce(w3, signer) == len(nonces)
    with engine.connect() as conn:
        behind = conn.execute(
            sa.text(
                "SELECT count(*) FROM chain_transactions WHERE status IN ('signed', 'broadcast')"
                " AND nonce < :n"
            ),
            {"n": len(nonces)},
        ).scalar_one()
    assert behind == 0, f"{behind} rows pending with a nonce below the chain's"
    return {"keys": sum(keys.values()), "attestations": sum(made.values())}


def _safe(wallet: str) -> str:
    try:
        return checksum(wallet)
    except CertflowError:
        return wallet


# ---------------------------------------------------------------- hostile RPC


class HostileProxy:
    """An RPC endpoint with an API key in its path and query that refuses in bursts,
    as a rate-limiting provider does: of every ``window`` requests, the first ``burst``
    are answered 429 or 500 (alternate bursts); the rest are forwarded upstream."""

    API_KEY = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

    def __init__(self, upstream: str, window: int = 100, burst: int = 3) -> None:
        self.upstream = upstream
        self.counter = itertools.count(1)
        self.refused = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                n = next(proxy.counter)
                if n % window < burst:
                    proxy.refused += 1
                    status = 429 if (n // window) % 2 else 500
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                _forward(self, proxy.upstream, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/v2/{self.API_KEY}?apikey={self.API_KEY}"

    def __enter__(self) -> HostileProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _forward(handler: BaseHTTPRequestHandler, upstream: str, body: bytes) -> None:
    """Send a JSON-RPC request on to anvil and its answer back to the caller."""
    answer = requests.post(
        upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    handler.send_response(answer.status_code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(answer.content)))
    handler.end_headers()
    handler.wfile.write(answer.content)


# ---------------------------------------------------------------- a paused request


class PausingProxy:
    """An RPC endpoint that holds the first request of ``method`` until ``release`` is
    set (``arrived`` is set when it comes in) and forwards everything else to anvil at
    once: a run stopped at a known point of its send, without a sleep."""

    def __init__(self, upstream: str, method: str) -> None:
        self.upstream = upstream
        self.arrived = threading.Event()
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if f'"{method}"' in body.decode() and not proxy.arrived.is_set():
                    proxy.arrived.set()
                    proxy.release.wait(60)
                _forward(self, proxy.upstream, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> PausingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

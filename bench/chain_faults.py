"""Time to settle after each fault of a real chain, with a no-fault baseline in the same run.

    .venv/bin/python bench/chain_faults.py [--claims 40] [--outage 30]

Starts its own anvil (the real PublicLock and EAS) and database. Each
scenario gets a fresh signer and lock, claims ``--claims`` certificates and
works them as the workers and the reconciler do (the fault tests' harness),
with the fault injected mid-burst. The figure is the time from the end of
the fault (or from its injection, for a fault that is a single event) until
every claim is attested, or refused with a recorded error. A fault that
lasts (no funds, node down) lasts ``--outage`` seconds; the hostile endpoint
is the fault for the whole run. One figure per line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account

from bench._db import bench_database
from bench._smoke import parse_args
from certflow.settings import Settings, load_settings
from chain.deploy import DevDeployment, deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.rpc import make_web3
from chain.transactions import Signer, send_direct
from db import claims
from db.engine import make_engine
from issuance.certificates.issuer import Issuer
from issuance.operations.reconcile import reconcile_chain
from tests.fixtures.anvil import DEV_KEY
from tests.integration.chain_faults.harness import (
    FAULT_ENV,
    Background,
    HostileProxy,
    blocks_keep_coming,
    fund,
    in_flight,
    new_wallets,
    rpc,
    seed_claims,
    settle,
    sign_grant_batch,
    wait_for,
)

Scenario = Callable[[Issuer, str, list[UUID]], float]


def baseline(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    return settle(issuer, ids)


def stray_nonce(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    sign_grant_batch(issuer, lock, ids[0], "grant_keys:bench-stray")
    send_direct(issuer.w3, issuer.sender.signer, issuer.sender.signer.address, b"stray")
    return settle(issuer, ids)


def fee_spike(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    sign_grant_batch(issuer, lock, ids[0], "grant_keys:bench-spike")
    base = int(issuer.w3.eth.get_block("latest")["baseFeePerGas"])
    rpc(issuer.w3, "anvil_setNextBlockBaseFeePerGas", hex(20 * base))
    return settle(issuer, ids)


def fee_ceiling(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    sign_grant_batch(issuer, lock, ids[0], "grant_keys:bench-ceiling")
    base = int(issuer.w3.eth.get_block("latest")["baseFeePerGas"])
    rpc(issuer.w3, "anvil_setNextBlockBaseFeePerGas", hex(20 * base))
    rpc(issuer.w3, "evm_mine")
    with blocks_keep_coming(issuer.w3, every=0.5):  # a 0.5 s chain; the fee falls 1/8 a block
        return settle(issuer, ids)


def dropped(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    rpc(issuer.w3, "evm_setAutomine", False)
    burst = Background(issuer, ids)
    wait_for(lambda: in_flight(issuer.engine))
    rpc(issuer.w3, "anvil_dropAllTransactions")
    start = time.monotonic()
    rpc(issuer.w3, "evm_setAutomine", True)
    burst.join()
    return time.monotonic() - start


def out_of_funds(outage: float) -> Scenario:
    def run(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
        fund(issuer.w3, issuer.sender.signer.address, 0)
        burst = Background(issuer, ids, timeout=outage + 180)
        time.sleep(outage)
        fund(issuer.w3, issuer.sender.signer.address)
        start = time.monotonic()
        burst.join()
        return time.monotonic() - start

    return run


def node_down(node: DevNode, outage: float) -> Scenario:
    def run(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
        rpc(issuer.w3, "evm_setAutomine", False)
        burst = Background(issuer, ids, timeout=outage + 180)
        wait_for(lambda: in_flight(issuer.engine))
        node.stop()
        time.sleep(outage)
        node.start()
        start = time.monotonic()
        burst.join()
        return time.monotonic() - start

    return run


def reorg(issuer: Issuer, lock: str, ids: list[UUID]) -> float:
    settle(issuer, ids)
    rpc(issuer.w3, "anvil_reorg", 3, [])
    rpc(issuer.w3, "evm_increaseTime", 60)
    start = time.monotonic()
    reconcile_chain(issuer)
    return time.monotonic() - start


def run_scenario(
    base: Settings, node: DevNode, dev: DevDeployment, scenario: Scenario, claims_n: int, **env: str
) -> float:
    w3 = make_web3(node.url, 10)
    key = "0x" + Account.create().key.hex().removeprefix("0x")
    signer = Signer.from_key(key)
    fund(w3, signer.address)
    lock = deploy_lock(w3, signer, "Bench Certificate")
    for _ in range(4):  # the set-up sends are deeper than the reorg (certflow cannot resend them)
        rpc(w3, "evm_mine")
    settings = load_settings(
        {
            **base.model_dump(by_alias=True, exclude_none=True, mode="json"),
            **FAULT_ENV,
            "SIGNER_PRIVATE_KEY": key,
            "LOCK_MANAGER_ADDRESS": signer.address,
            "RPC_URL": node.url,  # --env RPC_URL: the hostile endpoint in front of it
            "EAS_CONTRACT_ADDRESS": dev.eas_contract_address,
            "BOOTCAMP_COMPLETION_SCHEMA_UID": dev.bootcamp_completion_schema_uid,
            "RECEIPT_TIMEOUT_SECONDS": "30",
            **env,
        }
    )
    engine = make_engine(settings, pool_size=8)
    try:
        with engine.begin() as conn:
            claims.sync_flags(conn, settings)
        ids = seed_claims(engine, lock, list(new_wallets(claims_n)))
        return scenario(Issuer.build(settings, engine), lock, ids)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--outage", type=float, default=30.0)
    args = parse_args(parser, claims=4, outage=2.0)
    with bench_database("certflow_bench_faults") as base, DevNode() as node, DevNode() as spare:
        dev = deploy_dev(make_web3(node.url, 10), Signer.from_key(DEV_KEY))
        spare_dev = deploy_dev(make_web3(spare.url, 10), Signer.from_key(DEV_KEY))
        print(f"{args.claims} claims per scenario; outages {args.outage:g} s")
        # Warm-up, not printed: first connections, deployment-block lookups, imports.
        run_scenario(base, node, dev, baseline, args.claims)
        lines: list[tuple[str, Callable[[], float]]] = [
            ("baseline, no fault", lambda: run_scenario(base, node, dev, baseline, args.claims)),
            ("stray nonce", lambda: run_scenario(base, node, dev, stray_nonce, args.claims)),
            ("fee spike 20x", lambda: run_scenario(base, node, dev, fee_spike, args.claims)),
            ("fee spike 20x, ceiling 4x base", lambda: _ceiling(base, node, dev, args.claims)),
            ("dropped transactions", lambda: run_scenario(base, node, dev, dropped, args.claims)),
            (
                "out of funds, after funding",
                lambda: run_scenario(base, node, dev, out_of_funds(args.outage), args.claims),
            ),
            (
                "node down, after restart",
                lambda: run_scenario(
                    base, spare, spare_dev, node_down(spare, args.outage), args.claims
                ),
            ),
            ("reorg depth 3, reconcile", lambda: run_scenario(base, node, dev, reorg, args.claims)),
            ("hostile RPC (429/500), whole run", lambda: _hostile(base, node, dev, args.claims)),
        ]
        for name, measure in lines:
            print(f"{name}: {measure():.2f} s", flush=True)
    return 0


def _ceiling(base: Settings, node: DevNode, dev: DevDeployment, claims_n: int) -> float:
    w3 = make_web3(node.url, 10)
    ceiling = 4 * int(w3.eth.get_block("latest")["baseFeePerGas"])
    return run_scenario(
        base,
        node,
        dev,
        fee_ceiling,
        claims_n,
        MAX_FEE_PER_GAS_WEI=str(ceiling),
        DEV_MINE_WHEN_SLOW="false",
    )


def _hostile(base: Settings, node: DevNode, dev: DevDeployment, claims_n: int) -> float:
    with HostileProxy(node.url) as proxy:
        return run_scenario(base, node, dev, baseline, claims_n, RPC_URL=proxy.url)


if __name__ == "__main__":
    raise SystemExit(main())

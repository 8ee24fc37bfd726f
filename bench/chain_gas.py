"""Gas per certificate part on anvil with the real Unlock and EAS contracts.

    .venv/bin/python bench/chain_gas.py    (``--smoke`` is the same run: it takes 3 s)

Starts its own anvil, deploys the dev contracts and prints one figure per
line: each batched figure next to its unbatched baseline from the same run,
then gas per certificate in each mode: on chain (grantKeys per key +
multiAttest per attestation, the baseline) and off chain (grantKeys per key +
multiTimestamp per EIP-712 attestation UID). Gas is deterministic, so one run
is enough.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eth_account import Account
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._smoke import parse_args
from chain.anchoring import eas_version, multi_timestamp_calldata, timestamp_calldata
from chain.attestation import CompletionAttestation, attest_calldata, multi_attest_calldata
from chain.deploy import DevDeployment, deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.lock import grant_keys_calldata
from chain.offchain import sign_offchain
from chain.rpc import make_web3
from chain.transactions import Signer, send_direct

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
KEY_BATCHES = (1, 50, 100)
ATTEST_BATCHES = (10, 25, 50)
TIMESTAMP_BATCHES = (1, 100)
#: Issue 13's target for the off-chain mode.
OFFCHAIN_TARGET = 175_000


def learners(count: int) -> list[str]:
    return [str(Account.create().address) for _ in range(count)]


def completion(learner: str) -> CompletionAttestation:
    return CompletionAttestation(
        cohort_id="cohort-2025-01",
        cohort_name="Web3 Foundations, January 2025",
        bootcamp_id="bootcamp-web3-foundations",
        bootcamp_title="Web3 Foundations",
        user_address=learner,
        completion_date=1_735_689_600,
        total_xp_earned=4_200,
        certificate_tx_hash="0x" + "ab" * 32,
    )


def grant_gas(w3: Web3, signer: Signer, count: int) -> int:
    lock = deploy_lock(w3, signer, "Bench Lock")  # a fresh lock: same storage state each time
    data = grant_keys_calldata(learners(count), signer.address)
    return send_direct(w3, signer, lock, data).gas_used


def attest_gas(w3: Web3, signer: Signer, dev: DevDeployment, count: int) -> int:
    schema, eas = dev.bootcamp_completion_schema_uid, dev.eas_contract_address
    items = [completion(learner) for learner in learners(count)]
    data = attest_calldata(schema, items[0]) if count == 1 else multi_attest_calldata(schema, items)
    return send_direct(w3, signer, eas, data).gas_used


def timestamp_gas(w3: Web3, signer: Signer, dev: DevDeployment, count: int) -> int:
    """Anchor ``count`` real off-chain attestation UIDs (random salts, so all distinct)."""
    eas, chain_id = dev.eas_contract_address, int(w3.eth.chain_id)
    version = eas_version(w3, eas)
    uids = [
        sign_offchain(
            signer, eas, chain_id, version, dev.bootcamp_completion_schema_uid, learner,
            completion(learner).encode(), 1_735_689_600,
        ).uid
        for learner in learners(count)
    ]  # fmt: skip
    data = timestamp_calldata(uids[0]) if count == 1 else multi_timestamp_calldata(uids)
    return send_direct(w3, signer, eas, data).gas_used


def per_item(label: str, gas: int, count: int) -> int:
    print(f"{label}: {gas // count:,} gas (tx {gas:,})")
    return gas // count


def main() -> None:
    parse_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))  # --smoke: as is
    with DevNode() as node:
        w3, signer = make_web3(node.url), Signer.from_key(DEV_KEY)
        dev = deploy_dev(w3, signer)
        block_limit = int(w3.eth.get_block("latest")["gasLimit"])
        print(f"block gas limit: {block_limit:,}")
        key = attest = stamp = 0
        for count in KEY_BATCHES:
            label = "grantKeys 1 key" if count == 1 else f"grantKeys per key, batch of {count}"
            key = per_item(label, grant_gas(w3, signer, count), count)
        print(f"attest 1: {attest_gas(w3, signer, dev, 1):,} gas")
        for count in ATTEST_BATCHES:
            label = f"multiAttest per attestation, batch of {count}"
            attest = per_item(label, attest_gas(w3, signer, dev, count), count)
        for count in TIMESTAMP_BATCHES:
            label = "timestamp 1 UID" if count == 1 else f"multiTimestamp per UID, batch of {count}"
            stamp = per_item(label, timestamp_gas(w3, signer, dev, count), count)
        keys, attests, stamps = KEY_BATCHES[-1], ATTEST_BATCHES[-1], TIMESTAMP_BATCHES[-1]
        print(
            f"per certificate, on-chain (baseline): {key + attest:,} gas "
            f"(grantKeys/{keys} {key:,} + multiAttest/{attests} {attest:,})"
        )
        verdict = "under" if key + stamp < OFFCHAIN_TARGET else "OVER"
        print(
            f"per certificate, offchain + multiTimestamp: {key + stamp:,} gas "
            f"(grantKeys/{keys} {key:,} + multiTimestamp/{stamps} {stamp:,}; "
            f"{verdict} the {OFFCHAIN_TARGET:,} target)"
        )


if __name__ == "__main__":
    main()

"""Gas per certificate part on anvil with the real Unlock and EAS contracts.

    .venv/bin/python bench/chain_gas.py

Starts its own anvil, deploys the dev contracts and prints one figure per
line: each batched figure next to its unbatched baseline from the same run.
Gas is deterministic, so one run is enough.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eth_account import Account
from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chain.attestation import CompletionAttestation, attest_calldata, multi_attest_calldata
from chain.deploy import DevDeployment, deploy_dev, deploy_lock
from chain.devnode import DevNode
from chain.lock import grant_keys_calldata
from chain.rpc import make_web3
from chain.transactions import Signer, send_direct

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
KEY_BATCHES = (1, 50, 100)
ATTEST_BATCHES = (10, 25, 50)


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


def main() -> None:
    with DevNode() as node:
        w3, signer = make_web3(node.url), Signer.from_key(DEV_KEY)
        dev = deploy_dev(w3, signer)
        block_limit = int(w3.eth.get_block("latest")["gasLimit"])
        print(f"block gas limit: {block_limit:,}")
        for count in KEY_BATCHES:
            gas = grant_gas(w3, signer, count)
            label = "grantKeys 1 key" if count == 1 else f"grantKeys per key, batch of {count}"
            print(f"{label}: {gas // count:,} gas (tx {gas:,})")
        print(f"attest 1: {attest_gas(w3, signer, dev, 1):,} gas")
        for count in ATTEST_BATCHES:
            gas = attest_gas(w3, signer, dev, count)
            print(
                f"multiAttest per attestation, batch of {count}: {gas // count:,} gas (tx {gas:,})"
            )


if __name__ == "__main__":
    main()

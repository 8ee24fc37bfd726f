"""3. The node drops every pending transaction (anvil_dropAllTransactions) mid-burst."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from web3 import Web3

from issuance.certificates.issuer import Issuer
from tests.integration.chain_faults.harness import (
    Background,
    errors_shown,
    in_flight,
    new_wallets,
    rpc,
    seed_claims,
    wait_for,
)


def test_dropped_transactions_are_sent_again_and_mined_exactly_once(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    ids = seed_claims(engine, lock, list(new_wallets(20)))
    rpc(fw3, "evm_setAutomine", False)  # transactions wait in the mempool, as on a real chain
    try:
        burst = Background(issuer, ids)
        wait_for(lambda: in_flight(engine))
        rpc(fw3, "anvil_dropAllTransactions")
        assert int(fw3.eth.get_transaction_count(issuer.sender.signer.address, "pending")) == int(
            fw3.eth.get_transaction_count(issuer.sender.signer.address, "latest")
        )
    finally:
        rpc(fw3, "evm_setAutomine", True)
    burst.join()

    assert invariants_for(ids) == {"keys": 20, "attestations": 20}
    assert errors_shown(engine, ids) == []

"""2. The base fee jumps 20x mid-burst (anvil_setNextBlockBaseFeePerGas)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from web3 import Web3

from issuance.certificates.issuer import Issuer
from tests.integration.chain_faults.harness import (
    blocks_keep_coming,
    new_wallets,
    rpc,
    seed_claims,
    settle,
    sign_grant_batch,
)
from tests.integration.helpers import scalar


def _base_fee(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["baseFeePerGas"])


def test_a_20x_fee_spike_replaces_transactions_at_the_same_nonce(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    before = seed_claims(engine, lock, list(new_wallets(10)))
    settle(issuer, before)
    during = seed_claims(engine, lock, list(new_wallets(10)))
    signed = sign_grant_batch(issuer, lock, during[0], "grant_keys:in-flight")
    rpc(fw3, "anvil_setNextBlockBaseFeePerGas", hex(20 * _base_fee(fw3)))

    settle(issuer, during)

    assert invariants_for(before + during) == {"keys": 20, "attestations": 20}
    versions = scalar(
        engine,
        "SELECT count(*) FROM chain_tx_attempts WHERE chain_transaction_id = :id",
        id=signed.id,
    )
    assert versions >= 2  # the version signed before the spike could not pay: replaced
    mined = issuer.sender.find("grant_keys:in-flight")
    assert mined is not None
    assert mined.status == "mined"
    assert mined.nonce == signed.nonce
    assert mined.tx_hash != signed.tx_hash
    # Whichever version mined is the one recorded.
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM chain_transactions t WHERE status = 'mined' AND NOT EXISTS"
            " (SELECT 1 FROM chain_tx_attempts a WHERE a.tx_hash = t.tx_hash)",
        )
        == 0
    )


def test_above_the_fee_ceiling_transactions_wait_and_go_through_when_fees_fall(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    make_issuer: Callable[..., Issuer],
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    base = _base_fee(fw3)
    issuer = make_issuer(max_fee_per_gas_wei=4 * base, dev_mine_when_slow=False)
    before = seed_claims(engine, lock, list(new_wallets(5)))
    settle(issuer, before)
    ceiling = issuer.settings.max_fee_per_gas_wei
    assert ceiling is not None  # set just above
    during = seed_claims(engine, lock, list(new_wallets(5)))
    sign_grant_batch(issuer, lock, during[0], "grant_keys:waits")
    rpc(fw3, "anvil_setNextBlockBaseFeePerGas", hex(20 * base))
    rpc(fw3, "evm_mine")  # the spike is on chain now

    assert _base_fee(fw3) > ceiling  # nothing certflow may offer is accepted now
    with blocks_keep_coming(fw3, every=0.3):
        settle(issuer, during, timeout=120)

    waited = issuer.sender.find("grant_keys:waits")
    assert waited is not None
    assert waited.status == "mined"
    mined_in = fw3.eth.get_block(waited.receipt_block or 0)
    assert int(mined_in["baseFeePerGas"]) <= ceiling  # it went through once fees fell
    assert invariants_for(before + during) == {"keys": 10, "attestations": 10}
    assert scalar(engine, "SELECT max(max_fee_per_gas) FROM chain_tx_attempts") <= ceiling

"""1. A transaction sent from the signer outside certflow, in the middle of a burst."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from web3 import Web3

from chain.transactions import Signer, send_direct
from issuance.certificates.issuer import Issuer
from issuance.operations.reconcile import reconcile_chain
from tests.integration.chain_faults.harness import (
    new_wallets,
    seed_claims,
    settle,
    sign_grant_batch,
)
from tests.integration.helpers import rows, scalar


def test_a_stray_send_mid_burst_is_resynced_and_every_claim_is_issued(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    signer: Signer,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    first = seed_claims(engine, lock, list(new_wallets(10)))
    settle(issuer, first)
    second = seed_claims(engine, lock, list(new_wallets(10)))
    # A batch is signed and committed, then something else sends with the
    # signer using the node's nonce: the very nonce the batch holds.
    signed = sign_grant_batch(issuer, lock, second[0], "grant_keys:stray")
    stray = send_direct(fw3, signer, signer.address, b"stray")
    assert stray.nonce == signed.nonce

    third = seed_claims(engine, lock, list(new_wallets(10)))
    reconcile_chain(issuer)  # the pass that used to abort on the row
    settle(issuer, second + third)

    counts = invariants_for(first + second + third)
    assert counts == {"keys": 30, "attestations": 30}
    [old] = rows(engine, "SELECT * FROM chain_transactions WHERE status = 'superseded'")
    assert old.nonce == stray.nonce
    assert old.intent_key.startswith("grant_keys:stray#superseded-")
    resigned = issuer.sender.find("grant_keys:stray")
    assert resigned is not None
    assert resigned.status == "mined"
    assert resigned.nonce > stray.nonce
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM bootcamp_enrollments WHERE certificate_last_error IS NOT NULL",
        )
        == 0
    )

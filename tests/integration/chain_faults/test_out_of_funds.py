"""5. The signer's balance is 0 for a while (anvil_setBalance), then restored."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from web3 import Web3

from chain.transactions import Signer
from issuance.certificates.issuer import Issuer
from tests.integration.chain_faults.harness import (
    OUTAGE_SECONDS,
    Background,
    errors_shown,
    fund,
    new_wallets,
    seed_claims,
)


@pytest.mark.slow
def test_out_of_funds_waits_and_everyone_is_issued_when_funds_return(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    signer: Signer,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    ids = seed_claims(engine, lock, list(new_wallets(20)))
    fund(fw3, signer.address, 0)
    burst = Background(issuer, ids)
    time.sleep(OUTAGE_SECONDS)
    assert errors_shown(engine, ids) == []  # waiting, not failing
    fund(fw3, signer.address)
    burst.join()

    assert invariants_for(ids) == {"keys": 20, "attestations": 20}
    assert errors_shown(engine, ids) == []  # nobody shows "failed", let alone holding a key

"""4. A batch of 150 with three bad members: each fails alone, the 147 go through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from web3 import Web3

from chain.abi import ZERO_ADDRESS
from chain.lock import grant_keys_calldata, has_valid_key, total_keys
from chain.transactions import Signer, send_direct
from db.grants import Member
from issuance.certificates.grants import _isolate_reverts
from issuance.certificates.issuer import Issuer
from issuance.certificates.screening import BAD_WALLET, EXPIRED_KEY, ZERO_WALLET
from tests.integration.chain_faults.harness import new_wallets, seed_claims, settle, states
from tests.integration.helpers import rows


def _bad_checksum(address: str) -> str:
    """``address`` with the case of one letter flipped: hex-valid, checksum-invalid."""
    i = next(i for i, c in enumerate(address[2:], 2) if c.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1 :]


def _expired_key(w3: Web3, signer: Signer, lock: str, wallet: str) -> None:
    """A key that expired long ago: the lock counts it (totalKeys), getHasValidKey does not."""
    send_direct(w3, signer, lock, grant_keys_calldata([wallet], signer.address, expiration=1))
    assert has_valid_key(w3, lock, wallet) is False
    assert total_keys(w3, lock, wallet) == 1


@pytest.mark.slow
def test_three_bad_members_fail_alone_and_the_other_147_are_issued(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    signer: Signer,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    good = new_wallets(147)
    expired, bad_checksum = new_wallets(1)[0], _bad_checksum(new_wallets(1)[0])
    _expired_key(fw3, signer, lock, expired)
    ids = seed_claims(engine, lock, [*good, ZERO_ADDRESS, expired, bad_checksum])

    settle(issuer, ids, timeout=240)

    assert invariants_for(ids, foreign_keys=frozenset({expired})) == {
        "keys": 147 + 1,  # the expired key was there before
        "attestations": 147,
    }
    by_wallet = {s.wallet: s for s in states(engine, ids)}
    assert sum(1 for s in by_wallet.values() if s.uid) == 147
    assert {w: by_wallet[w].error for w in (ZERO_ADDRESS, expired, bad_checksum)} == {
        ZERO_ADDRESS: ZERO_WALLET,
        expired: EXPIRED_KEY,
        bad_checksum: BAD_WALLET,
    }
    refused = rows(
        engine,
        "SELECT certificate_retry_count FROM bootcamp_enrollments"
        " WHERE certificate_last_error IS NOT NULL",
    )
    assert [r.certificate_retry_count for r in refused] == [1, 1, 1]  # one error each


def test_members_that_revert_are_found_by_splitting_and_a_held_key_is_recorded_not_failed(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    signer: Signer,
    issuer: Issuer,
    flags_on: None,
) -> None:
    """Past the screening (here: skipped), members whose grant reverts are isolated by
    splitting, then checked again: a valid key already held (granted since the screen,
    e.g. by another run) is recorded with its real transaction, not failed; an expired
    key is refused with its own message."""
    wallets = new_wallets(16)
    ids = seed_claims(engine, lock, list(wallets))
    held, expired = wallets[3], wallets[11]
    held_tx = send_direct(fw3, signer, lock, grant_keys_calldata([held], signer.address)).tx_hash
    _expired_key(fw3, signer, lock, expired)
    members = [Member(i, w) for i, w in zip(ids, wallets, strict=True)]

    rest, _ = _isolate_reverts(issuer, lock, members)

    assert [m.wallet for m in rest] == [w for w in wallets if w not in (held, expired)]
    by_wallet = {s.wallet: s for s in states(engine, ids)}
    assert {w: s.error for w, s in by_wallet.items() if s.error} == {expired: EXPIRED_KEY}
    assert [w for w, s in by_wallet.items() if s.issued] == [held]
    [recorded] = rows(
        engine,
        "SELECT certificate_tx_hash FROM bootcamp_enrollments WHERE id = :id",
        id=ids[3],
    )
    assert recorded.certificate_tx_hash == held_tx

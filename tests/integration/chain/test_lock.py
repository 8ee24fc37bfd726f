"""The dev PublicLock against real anvil: grant-only, non-transferable keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3 import Web3

from certflow.errors import ChainError
from chain.abi import MAX_UINT256, ZERO_ADDRESS, calldata
from chain.deploy import DevDeployment
from chain.lock import (
    GRANT_KEYS,
    find_key,
    grant_keys_calldata,
    has_valid_key,
    has_valid_key_many,
    is_lock_manager,
    lock_contract,
    parse_key_transfers,
    total_keys,
    total_keys_many,
)
from chain.transactions import Signer, send_direct
from tests.integration.chain.conftest import fund

PURCHASE = "purchase(uint256[],address[],address[],address[],bytes[])"


def grant(w3: Web3, manager: Signer, lock: str, learners: list[str]) -> dict[str, int]:
    sent = send_direct(w3, manager, lock, grant_keys_calldata(learners, manager.address))
    return parse_key_transfers(sent.receipt, lock)


def test_dev_lock_is_managed_by_the_signer(
    w3: Web3, dev_deployment: DevDeployment, lock_manager: Signer
) -> None:
    lock = dev_deployment.lock_address
    assert is_lock_manager(w3, lock, lock_manager.address) is True
    contract = lock_contract(w3, lock)
    assert contract.functions.maxNumberOfKeys().call() == 0
    assert contract.functions.keyPrice().call() == 0
    assert contract.functions.expirationDuration().call() == MAX_UINT256
    assert contract.functions.publicLockVersion().call() >= 15


def test_stranger_purchase_reverts(
    w3: Web3, dev_deployment: DevDeployment, funded_signer: Signer
) -> None:
    """maxNumberOfKeys = 0: nobody can buy a free certificate."""
    stranger = funded_signer.address
    data = calldata(PURCHASE, [[0], [stranger], [ZERO_ADDRESS], [ZERO_ADDRESS], [b""]])

    with pytest.raises(ChainError, match="LOCK_SOLD_OUT"):
        send_direct(w3, funded_signer, dev_deployment.lock_address, data)

    assert has_valid_key(w3, dev_deployment.lock_address, stranger) is False
    assert lock_contract(w3, dev_deployment.lock_address).functions.balanceOf(stranger).call() == 0


def test_learner_cannot_transfer_their_key(
    w3: Web3,
    dev_deployment: DevDeployment,
    lock_manager: Signer,
    funded_signer: Signer,
    new_learner: Callable[[], str],
) -> None:
    """The lock manager is key manager: a key is a credential, not an asset."""
    lock, learner, other = dev_deployment.lock_address, funded_signer, new_learner()
    token_id = grant(w3, lock_manager, lock, [learner.address])[learner.address]
    data = calldata("transferFrom(address,address,uint256)", [learner.address, other, token_id])

    with pytest.raises(ChainError, match="reverted"):
        send_direct(w3, learner, lock, data)

    contract = lock_contract(w3, lock)
    assert contract.functions.ownerOf(token_id).call() == learner.address
    assert contract.functions.keyManagerOf(token_id).call() == lock_manager.address
    assert has_valid_key(w3, lock, other) is False


def test_grant_keys_batch_gives_each_recipient_one_key(
    w3: Web3, fresh_lock: str, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    learners = [new_learner() for _ in range(7)]

    minted = grant(w3, lock_manager, fresh_lock, learners)

    assert sorted(minted) == sorted(learners)
    assert sorted(minted.values()) == list(range(1, 8))
    contract = lock_contract(w3, fresh_lock)
    assert contract.functions.totalSupply().call() == 7
    for learner in learners:
        assert has_valid_key(w3, fresh_lock, learner) is True
        assert contract.functions.balanceOf(learner).call() == 1
        assert contract.functions.keyExpirationTimestampFor(minted[learner]).call() == MAX_UINT256


def test_keys_counted_in_batches_match_one_call_per_owner(
    w3: Web3, fresh_lock: str, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    holders = [new_learner() for _ in range(3)]
    others = [new_learner() for _ in range(2)]
    grant(w3, lock_manager, fresh_lock, holders)
    owners = [others[0], *holders, others[1].lower()]  # any case of hex is an address

    counts = total_keys_many(w3, fresh_lock, owners, chunk=2)

    assert counts == [0, 1, 1, 1, 0]
    assert counts == [total_keys(w3, fresh_lock, owner) for owner in owners]
    valid = has_valid_key_many(w3, fresh_lock, owners, chunk=2)
    assert valid == [False, True, True, True, False]
    assert valid == [has_valid_key(w3, fresh_lock, owner) for owner in owners]


def test_find_key_returns_the_real_grant_transaction(
    w3: Web3, fresh_lock: str, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    learner = new_learner()
    sent = send_direct(
        w3, lock_manager, fresh_lock, grant_keys_calldata([learner], lock_manager.address)
    )

    key = find_key(w3, fresh_lock, learner)

    assert key is not None
    assert key.tx_hash == sent.tx_hash
    assert key.block_number == sent.block_number
    assert key.token_id == parse_key_transfers(sent.receipt, fresh_lock)[learner]
    assert find_key(w3, fresh_lock, new_learner()) is None


def test_granting_a_second_key_to_a_holder_reverts(
    w3: Web3, fresh_lock: str, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    """One key per address: a duplicate grant cannot slip through."""
    learner = new_learner()
    grant(w3, lock_manager, fresh_lock, [learner])

    with pytest.raises(ChainError, match="MAX_KEYS"):
        grant(w3, lock_manager, fresh_lock, [learner])

    assert lock_contract(w3, fresh_lock).functions.balanceOf(learner).call() == 1


def test_grant_by_a_signer_that_is_not_lock_manager_is_a_clear_chain_error(
    w3: Web3, fresh_lock: str, funded_signer: Signer, new_learner: Callable[[], str]
) -> None:
    learner = new_learner()
    data = grant_keys_calldata([learner], funded_signer.address)

    with pytest.raises(ChainError, match="not a lock manager") as caught:
        send_direct(w3, funded_signer, fresh_lock, data)

    assert caught.value.transient is False
    assert has_valid_key(w3, fresh_lock, learner) is False


def test_grant_keys_calldata_matches_the_contract_abi(w3: Web3, fresh_lock: str) -> None:
    recipients = [Web3.to_checksum_address("0x" + "11" * 20)]
    manager = Web3.to_checksum_address("0x" + "22" * 20)
    expected = lock_contract(w3, fresh_lock).encode_abi(
        "grantKeys", args=[recipients, [MAX_UINT256], [manager]]
    )
    assert "0x" + grant_keys_calldata(recipients, manager).hex() == expected
    assert GRANT_KEYS.startswith("grantKeys(")


def test_a_fresh_account_has_no_key(w3: Web3, dev_deployment: DevDeployment) -> None:
    stranger = Web3.to_checksum_address("0x" + "33" * 20)
    fund(w3, stranger)
    assert has_valid_key(w3, dev_deployment.lock_address, stranger) is False

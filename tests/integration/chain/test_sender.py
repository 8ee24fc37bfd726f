"""The Postgres-backed sender: shared nonces, commit-before-broadcast, rebroadcast."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import TransactionNotFound
from web3.types import RPCEndpoint

from certflow.errors import ChainRejected, ChainUnavailable
from chain.deploy import deploy_lock
from chain.devnode import DevNode
from chain.lock import grant_keys_calldata, has_valid_key, lock_contract, parse_key_transfers
from chain.rpc import make_web3
from chain.transactions import SentTransaction, Signer, broadcast
from db.chain_transactions import ChainTransaction
from issuance.transactions.sender import TransactionSender


@pytest.fixture
def own_lock(w3: Web3, funded_signer: Signer) -> str:
    """A lock whose manager is a fresh signer, so no other test shares its nonces."""
    return deploy_lock(w3, funded_signer, "Sender Lock")


@pytest.fixture
def sender(w3: Web3, funded_signer: Signer, engine: sa.Engine) -> TransactionSender:
    return TransactionSender(w3, funded_signer, engine, chain_id=31337, receipt_timeout=30)


def grant(sender: TransactionSender, lock: str, learner: str, key: str) -> SentTransaction:
    data = grant_keys_calldata([learner], sender.signer.address)
    return sender.send("grant_keys", key, lock, data)


def rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        result = conn.execute(
            sa.text(
                "SELECT intent_key, nonce, tx_hash, status, receipt_block, gas_used"
                " FROM public.chain_transactions ORDER BY nonce"
            )
        )
        return [tuple(row) for row in result]


def transfers_to(w3: Web3, lock: str, learner: str) -> int:
    contract = lock_contract(w3, lock)
    return len(contract.events.Transfer().get_logs(from_block=0, argument_filters={"to": learner}))


@pytest.mark.slow
def test_concurrent_senders_get_consecutive_nonces_and_all_mine(
    w3: Web3,
    sender: TransactionSender,
    own_lock: str,
    engine: sa.Engine,
    new_learner: Callable[[], str],
) -> None:
    learners = [new_learner() for _ in range(12)]
    start_nonce = w3.eth.get_transaction_count(sender.signer.address)
    results: dict[str, SentTransaction] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        # Each thread is its own sender, as separate worker processes would be.
        mine = TransactionSender(w3, sender.signer, engine, chain_id=31337, receipt_timeout=30)
        try:
            results[learners[i]] = grant(mine, own_lock, learners[i], f"grant:{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(sent.nonce for sent in results.values()) == list(
        range(start_nonce, start_nonce + 12)
    )
    assert w3.eth.get_transaction_count(sender.signer.address) == start_nonce + 12
    assert [row[3] for row in rows(engine)] == ["mined"] * 12
    for learner in learners:
        assert has_valid_key(w3, own_lock, learner) is True
        assert transfers_to(w3, own_lock, learner) == 1


def test_sending_the_same_intent_twice_sends_one_transaction(
    w3: Web3,
    sender: TransactionSender,
    own_lock: str,
    engine: sa.Engine,
    new_learner: Callable[[], str],
) -> None:
    learner = new_learner()

    first = grant(sender, own_lock, learner, "grant:once")
    second = grant(sender, own_lock, learner, "grant:once")

    assert second.tx_hash == first.tx_hash
    assert parse_key_transfers(second.receipt, own_lock) == {learner: 1}
    assert transfers_to(w3, own_lock, learner) == 1
    assert len(rows(engine)) == 1


def test_committed_but_never_broadcast_transaction_is_rebroadcast_and_mined_once(
    w3: Web3,
    sender: TransactionSender,
    own_lock: str,
    engine: sa.Engine,
    new_learner: Callable[[], str],
) -> None:
    """A crash after the commit and before the broadcast loses nothing."""
    learner = new_learner()
    data = grant_keys_calldata([learner], sender.signer.address)
    committed = sender.prepare("grant_keys", "grant:crash", own_lock, data)  # then "crash"
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction(HexBytes(committed.tx_hash))

    sent = sender.send("grant_keys", "grant:crash", own_lock, data)
    broadcast(w3, committed.raw_tx, committed.tx_hash)  # a late duplicate is harmless

    assert sent.tx_hash == committed.tx_hash
    assert sent.nonce == committed.nonce
    assert rows(engine) == [
        (
            "grant:crash",
            committed.nonce,
            committed.tx_hash,
            "mined",
            sent.block_number,
            sent.gas_used,
        )
    ]
    assert transfers_to(w3, own_lock, learner) == 1
    assert w3.eth.get_transaction_count(sender.signer.address) == committed.nonce + 1


def test_a_lost_race_returns_the_winners_transaction_and_gives_the_nonce_back(
    w3: Web3,
    sender: TransactionSender,
    own_lock: str,
    engine: sa.Engine,
    new_learner: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes prepare one intent: the one that commits second uses the first's row."""
    data = grant_keys_calldata([new_learner()], sender.signer.address)
    winner = sender.prepare("grant_keys", "grant:race", own_lock, data)
    loser = TransactionSender(w3, sender.signer, engine, chain_id=31337, receipt_timeout=30)
    real_find = loser.find
    looks: list[str] = []

    def find_before_the_commit(intent_key: str) -> ChainTransaction | None:
        # The loser's first look sees no row yet, as if it read before the winner's commit.
        looks.append(intent_key)
        return None if len(looks) == 1 else real_find(intent_key)

    monkeypatch.setattr(loser, "find", find_before_the_commit)

    assert loser.prepare("grant_keys", "grant:race", own_lock, data) == winner
    assert len(looks) == 2  # it signed, lost the insert, then read the winner's row
    sender.complete(winner)
    after = grant(sender, own_lock, new_learner(), "grant:after")

    assert after.nonce == winner.nonce + 1  # the loser's nonce went back to the counter
    assert [row[:2] for row in rows(engine)] == [
        ("grant:race", winner.nonce),
        ("grant:after", winner.nonce + 1),
    ]


@pytest.mark.slow
def test_a_nonce_gap_left_by_a_crash_is_healed_by_the_next_send(
    w3: Web3, sender: TransactionSender, own_lock: str, new_learner: Callable[[], str]
) -> None:
    stuck_learner, next_learner = new_learner(), new_learner()
    data = grant_keys_calldata([stuck_learner], sender.signer.address)
    stuck = sender.prepare("grant_keys", "grant:stuck", own_lock, data)

    sent = grant(sender, own_lock, next_learner, "grant:next")

    assert sent.nonce == stuck.nonce + 1
    assert has_valid_key(w3, own_lock, stuck_learner) is True
    assert has_valid_key(w3, own_lock, next_learner) is True


def test_a_reverted_receipt_is_a_permanent_error_recorded_on_the_row(
    w3: Web3,
    sender: TransactionSender,
    own_lock: str,
    engine: sa.Engine,
    new_learner: Callable[[], str],
) -> None:
    """Two grants to one learner both pass estimation; the second reverts on chain."""
    learner = new_learner()
    data = grant_keys_calldata([learner], sender.signer.address)
    first = sender.prepare("grant_keys", "grant:a", own_lock, data)
    second = sender.prepare("grant_keys", "grant:b", own_lock, data)
    sender.complete(first)

    with pytest.raises(ChainRejected, match="reverted") as caught:
        sender.complete(second)
    with pytest.raises(ChainRejected, match="reverted"):
        sender.send("grant_keys", "grant:b", own_lock, data)

    assert caught.value.transient is False
    assert [row[3] for row in rows(engine)] == ["mined", "failed"]
    assert transfers_to(w3, own_lock, learner) == 1


def test_a_grant_that_would_revert_spends_no_nonce(
    w3: Web3,
    fresh_lock: str,
    funded_signer: Signer,
    engine: sa.Engine,
    new_learner: Callable[[], str],
) -> None:
    """A signer that is not a lock manager: ChainRejected, and nothing committed."""
    stranger = TransactionSender(w3, funded_signer, engine, chain_id=31337)
    data = grant_keys_calldata([new_learner()], funded_signer.address)

    with pytest.raises(ChainRejected, match="not a lock manager"):
        stranger.send("grant_keys", "grant:refused", fresh_lock, data)

    assert rows(engine) == []


@pytest.mark.slow
def test_node_outage_is_transient_and_the_send_succeeds_after_restart(
    w3: Web3,
    anvil_node: DevNode,
    sender: TransactionSender,
    own_lock: str,
    new_learner: Callable[[], str],
) -> None:
    learner = new_learner()
    anvil_node.stop()
    try:
        with pytest.raises(ChainUnavailable) as caught:
            grant(sender, own_lock, learner, "grant:outage")
        assert caught.value.transient is True
    finally:
        anvil_node.start()

    sent = grant(sender, own_lock, learner, "grant:outage")

    assert has_valid_key(w3, own_lock, learner) is True
    assert parse_key_transfers(sent.receipt, own_lock) == {learner: 1}


@pytest.mark.slow
def test_a_hung_node_times_out_as_chain_unavailable(
    anvil_node: DevNode, own_lock: str, new_learner: Callable[[], str]
) -> None:
    impatient = make_web3(anvil_node.url, timeout_seconds=0.5)
    anvil_node.pause()
    try:
        with pytest.raises(ChainUnavailable):
            has_valid_key(impatient, own_lock, new_learner())
    finally:
        anvil_node.resume()
    assert has_valid_key(impatient, own_lock, new_learner()) is False


def test_insufficient_funds_is_transient_and_the_same_bytes_go_through_after_a_top_up(
    w3: Web3,
) -> None:
    """DESIGN: insufficient funds is transient. Found by the 1,000-learner chaos bench,
    where it failed whole grant batches for good (KeyGrantFailed, dead-lettered)."""
    from eth_account import Account

    from certflow.errors import InsufficientFunds
    from chain.transactions import Signer, broadcast, fetch_receipt

    signer = Signer.from_key("0x" + Account.create().key.hex().removeprefix("0x"))
    tx = {
        "type": 2, "chainId": w3.eth.chain_id, "nonce": 0, "value": 1, "to": signer.address,
        "gas": 21_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 1,
    }  # fmt: skip
    raw, tx_hash = signer.sign(tx)
    with pytest.raises(InsufficientFunds, match=r"(?i)insufficient funds"):
        broadcast(w3, raw, tx_hash)
    w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [signer.address, hex(10**18)])
    broadcast(w3, raw, tx_hash)
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    assert fetch_receipt(w3, tx_hash) is not None

"""The Merkle tree that anchors a batch of off-chain UIDs with one timestamp."""

from __future__ import annotations

import os

import pytest
from eth_utils.crypto import keccak

from certflow.errors import ChainRejected
from chain.abi import hex32
from chain.merkle import build, leaf, root_of, verify


def uids(count: int) -> list[str]:
    return [hex32(os.urandom(32)) for _ in range(count)]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 200])
def test_every_uid_proves_its_way_to_the_root(count: int) -> None:
    batch = uids(count)

    tree = build(batch)

    assert all(verify(uid, tree.proofs[uid], tree.root) for uid in batch)
    assert max(len(p) for p in tree.proofs.values()) <= max(1, (count - 1).bit_length())


def test_the_root_does_not_depend_on_the_order_of_the_batch() -> None:
    batch = uids(7)

    assert build(batch).root == build(list(reversed(batch))).root


def test_a_single_uid_is_its_own_leaf_and_two_hash_as_a_sorted_pair() -> None:
    [one] = uids(1)
    assert build([one]).root == hex32(leaf(one))
    a, b = uids(2)
    low, high = sorted((leaf(a), leaf(b)))
    assert build([a, b]).root == hex32(keccak(low + high))


def test_a_proof_fails_for_another_uid_another_root_or_a_changed_node() -> None:
    batch = uids(9)
    tree = build(batch)
    proof = tree.proofs[batch[0]]

    assert not verify(batch[1], proof, tree.root)
    assert not verify(batch[0], proof, build(uids(9)).root)
    assert not verify(batch[0], [*proof[:-1], hex32(os.urandom(32))], tree.root)
    assert not verify(batch[0], ["0x1234"], tree.root)  # malformed: False, not an error
    assert root_of(batch[0], proof) == tree.root


def test_an_empty_batch_has_no_tree() -> None:
    with pytest.raises(ChainRejected):
        build([])

"""A Merkle tree of attestation UIDs, so one ``EAS.timestamp`` of its root anchors a batch.

Leaves are ``keccak256(uid)`` (hashed, so a leaf can never pass for an inner
node), inner nodes ``keccak256`` of their two children in ascending byte
order (sorted pairs: a proof is a plain list of siblings, no left/right
flags, as OpenZeppelin's ``MerkleProof`` verifies it). A node without a
sibling moves up unchanged. The tree is built over the UIDs sorted, so the
same batch always gives the same root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils.crypto import keccak

from certflow.errors import ChainRejected
from chain.abi import hex32, to_bytes32


def leaf(uid: str) -> bytes:
    return keccak(to_bytes32(uid, "attestation uid"))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


@dataclass(frozen=True)
class MerkleTree:
    root: str
    #: Each UID's proof: the sibling hashes from its leaf up to the root.
    proofs: dict[str, list[str]]


def build(uids: Sequence[str]) -> MerkleTree:
    """The tree of these UIDs (at least one; duplicates are one leaf)."""
    ordered = sorted(set(uids), key=leaf)
    if not ordered:
        raise ChainRejected("a Merkle tree needs at least one UID")
    level = [leaf(uid) for uid in ordered]
    # positions[i]: where UID i's node is in the current level.
    positions = list(range(len(ordered)))
    proofs: list[list[str]] = [[] for _ in ordered]
    while len(level) > 1:
        for i, at in enumerate(positions):
            sibling = at ^ 1
            if sibling < len(level):
                proofs[i].append(hex32(level[sibling]))
        level = [
            _pair(level[j], level[j + 1]) if j + 1 < len(level) else level[j]
            for j in range(0, len(level), 2)
        ]
        positions = [at // 2 for at in positions]
    return MerkleTree(hex32(level[0]), dict(zip(ordered, proofs, strict=True)))


def root_of(uid: str, proof: Sequence[str]) -> str:
    """The root that ``proof`` leads to from ``uid``'s leaf."""
    node = leaf(uid)
    for sibling in proof:
        node = _pair(node, to_bytes32(sibling, "proof node"))
    return hex32(node)


def verify(uid: str, proof: Sequence[str], root: str) -> bool:
    """True when ``proof`` leads from ``uid`` to ``root``; malformed input is False."""
    try:
        return root_of(uid, proof) == hex32(to_bytes32(root, "Merkle root"))
    except ChainRejected:
        return False

"""Finding a batch's culprits and its largest prefix that fits a block (pure logic).

The estimate here is a plain function with the same contract as the node's
``eth_estimateGas``; the integration tests use the node itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from certflow.errors import BatchTooLarge, ChainReverted
from issuance.transactions.batching import Estimates, culprits, fitting_count

BAD = {7, 42, 99}


def _estimate(members: Sequence[int]) -> int:
    bad = BAD.intersection(members)
    if bad:
        raise ChainReverted(f"reverted: member {min(bad)}")
    return 21_000 + 100_000 * len(members)


def test_culprits_are_each_found_with_their_own_reason() -> None:
    found = culprits(list(range(150)), _estimate)
    assert found == [
        (7, "reverted: member 7"),
        (42, "reverted: member 42"),
        (99, "reverted: member 99"),
    ]


def test_a_clean_batch_costs_one_estimate() -> None:
    calls: list[int] = []

    def counting(members: Sequence[int]) -> int:
        calls.append(len(members))
        return 1

    assert culprits(list(range(150)), counting) == []
    assert calls == [150]


def test_a_batch_too_large_for_the_block_is_not_blamed_on_a_member() -> None:
    def too_big(members: Sequence[int]) -> int:
        if len(members) > 10:
            raise BatchTooLarge("gas required exceeds allowance")
        return 1

    assert culprits(list(range(40)), too_big) == []


@pytest.mark.parametrize(
    ("per_member", "expected"), [(100_000, 150), (600_000, 39), (1_800_000, 13)]
)
def test_fitting_count_keeps_the_batch_under_the_block_share(
    per_member: int, expected: int
) -> None:
    def estimate(members: Sequence[int]) -> int:
        gas = 21_000 + per_member * len(members)
        if gas > 30_000_000:
            raise BatchTooLarge("gas required exceeds allowance")
        return gas

    count = fitting_count(list(range(150)), estimate, 30_000_000)
    best = min(150, (int(0.8 * 30_000_000) - 21_000) // per_member)
    assert best == expected
    assert 0.9 * best <= count <= best


def test_screening_fitting_and_signing_ask_the_node_once_per_part() -> None:
    asked: list[tuple[int, ...]] = []

    def counted(members: Sequence[int]) -> int:
        asked.append(tuple(members))
        return _estimate(members)

    estimate = Estimates(counted, lambda member: member)
    members = list(range(100, 140))
    assert culprits(members, estimate) == []
    assert fitting_count(members, estimate, 10_000_000) == len(members)
    assert estimate.known(members) == _estimate(members)
    assert asked == [tuple(members)]
    assert estimate.known(members[:3]) is None


def test_a_revert_is_not_remembered() -> None:
    calls = 0

    def flaky(members: Sequence[int]) -> int:
        nonlocal calls
        calls += 1
        raise ChainReverted("reverted")

    estimate = Estimates(flaky, lambda member: member)
    for _ in range(2):
        with pytest.raises(ChainReverted):
            estimate([1, 2])
    assert calls == 2
    assert estimate.known([1, 2]) is None

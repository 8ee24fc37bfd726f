"""Batches that isolate their bad members and fit a block, before anything is signed.

Both work by asking the node to estimate gas (an ``eth_estimateGas`` runs the
call without sending it): a member that makes the call revert is found by
splitting the batch in halves until only the culprits are left, and a batch
whose gas would not fit the block is cut to the prefix that does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

from certflow.errors import BatchTooLarge, ChainReverted

T = TypeVar("T")

#: Headroom kept under the block gas limit (the estimate may grow before mining).
BLOCK_SHARE = 0.8


class Estimates(Generic[T]):
    """An ``estimate`` that asks the node once per distinct part of a batch.

    Screening, fitting the block and signing all want the gas of the same
    member list; for a multiAttest of 40 each estimate runs the whole call on
    the node, which in a burst competes with everything else for the CPU.
    A revert is not remembered (it raises each time, as before).
    """

    def __init__(self, estimate: Callable[[Sequence[T]], int], key: Callable[[T], Hashable]):
        self._estimate = estimate
        self._key = key
        self._known: dict[tuple[Hashable, ...], int] = {}

    def __call__(self, part: Sequence[T]) -> int:
        key = tuple(self._key(member) for member in part)
        if key not in self._known:
            self._known[key] = self._estimate(part)
        return self._known[key]

    def known(self, part: Sequence[T]) -> int | None:
        """The estimate for exactly ``part`` if it was asked for; None otherwise."""
        return self._known.get(tuple(self._key(member) for member in part))


def culprits(members: Sequence[T], estimate: Callable[[Sequence[T]], int]) -> list[tuple[T, str]]:
    """The members that make ``estimate`` revert, each with the revert's reason.

    ``estimate`` raises ChainReverted for a batch that would revert. One
    estimate when nothing is wrong; about 2·k·log2(n) for k culprits in n.
    """
    if not members:
        return []
    try:
        estimate(members)
    except ChainReverted as exc:
        if isinstance(exc, BatchTooLarge) and len(members) > 1:
            pass  # too big to say: look at the halves
        elif len(members) == 1:
            return [(members[0], str(exc))]
        middle = len(members) // 2
        return culprits(members[:middle], estimate) + culprits(members[middle:], estimate)
    return []


def fitting_count(
    members: Sequence[T], estimate: Callable[[Sequence[T]], int], block_gas_limit: int
) -> int:
    """How many members, from the first, fit one transaction within the block's gas.

    At least one: a single member too big for a block is the caller's
    error to report (its estimate raises BatchTooLarge when sent).
    """
    budget = int(block_gas_limit * BLOCK_SHARE)
    count = len(members)
    while count > 1:
        try:
            gas = estimate(members[:count])
        except BatchTooLarge:
            count //= 2
            continue
        if gas <= budget:
            return _grown(members, estimate, budget, count, gas)
        # Gas grows about linearly with the members: aim just under the budget.
        count = max(1, min(count - 1, count * budget // gas))
    return count


def _grown(
    members: Sequence[T], estimate: Callable[[Sequence[T]], int], budget: int, count: int, gas: int
) -> int:
    """One step up from a count that fits (halving overshoots), if the larger one fits too."""
    target = min(len(members), count * budget // gas)
    if target <= count:
        return count
    try:
        return target if estimate(members[:target]) <= budget else count
    except BatchTooLarge:
        return count

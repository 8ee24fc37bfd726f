"""Helpers shared by the chain integration tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from chain.transactions import Signer


@pytest.fixture
def new_learner() -> Callable[[], str]:
    """Fresh wallet addresses: every test grants to learners nobody used before."""

    def make() -> str:
        return str(Account.create().address)

    return make


def fund(w3: Web3, address: str, wei: int = 10**18) -> None:
    """Give a fresh account some ETH (anvil cheat code)."""
    w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [address, hex(wei)])


@pytest.fixture
def funded_signer(w3: Web3) -> Signer:
    """A fresh funded signer: its nonces start at 0 and nothing else uses it."""
    signer = Signer.from_key("0x" + Account.create().key.hex().removeprefix("0x"))
    fund(w3, signer.address)
    return signer

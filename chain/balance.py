"""An account's balance: the signer's, for the status overview and the metrics
(ops watch it run dry). Read with a short timeout: the metrics endpoints read it
on each scrape, and Prometheus gives a scrape 10 s by default."""

from __future__ import annotations

from collections.abc import Callable

from chain.rpc import chain_errors, make_web3

_WEI_PER_ETH = 10**18


def balance_wei(rpc_url: str, address: str, timeout_seconds: float) -> int:
    """The address's balance at the latest block; ChainUnavailable when the node is down."""
    return balance_reader(rpc_url, address, timeout_seconds)()


def balance_reader(rpc_url: str, address: str, timeout: float = 2.0) -> Callable[[], int]:
    """A function returning ``address``'s balance in wei, read again at each call on one
    connection (ChainError when unreachable): a metrics endpoint reads it on each scrape."""
    w3 = make_web3(rpc_url, timeout)
    account = w3.to_checksum_address(address)

    def read() -> int:
        with chain_errors("reading the signer's balance"):
            return int(w3.eth.get_balance(account))

    return read


def in_ether(wei: int) -> float:
    return wei / _WEI_PER_ETH

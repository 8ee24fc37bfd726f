"""An account's balance, read with a short timeout (the metrics endpoints read the
signer's on each scrape, and Prometheus gives a scrape 10 s by default)."""

from __future__ import annotations

from collections.abc import Callable

from chain.rpc import chain_errors, make_web3

_WEI_PER_ETH = 10**18


def balance_reader(rpc_url: str, address: str, timeout: float = 2.0) -> Callable[[], float]:
    """A function returning ``address``'s balance in ether (ChainError when unreachable)."""
    w3 = make_web3(rpc_url, timeout)
    account = w3.to_checksum_address(address)

    def read() -> float:
        with chain_errors("reading the signer's balance"):
            return int(w3.eth.get_balance(account)) / _WEI_PER_ETH

    return read

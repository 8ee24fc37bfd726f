"""The signer's balance, for the status overview (ops watch it run dry)."""

from __future__ import annotations

from web3 import Web3

from chain.rpc import chain_errors, make_web3


def balance_wei(rpc_url: str, address: str, timeout_seconds: float) -> int:
    """The address's balance at the latest block; ChainUnavailable when the node is down."""
    w3 = make_web3(rpc_url, timeout_seconds)
    with chain_errors("signer balance"):
        return int(w3.eth.get_balance(Web3.to_checksum_address(address)))

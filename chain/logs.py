"""Bounded log scans: from a contract's deployment block, in chunks a provider accepts.

Hosted RPC providers refuse ``eth_getLogs`` over wide block ranges (and a
scan from block 0 of a public chain is slow anyway), so every scan starts at
the contract's deployment block, or at a configured start block, and asks for
at most ``max_blocks`` blocks at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, cast

import structlog
from web3 import Web3
from web3.types import FilterParams

from certflow.errors import CertflowError, ChainUnavailable
from chain.abi import checksum
from chain.rpc import chain_errors

log = structlog.get_logger("certflow.chain")

_deployed: dict[tuple[int, str], int] = {}
_deployed_lock = threading.Lock()


@dataclass(frozen=True)
class LogScan:
    """Where a scan starts (None: the contract's deployment block) and its chunk size."""

    start_block: int | None = None
    max_blocks: int = 5000


def deployment_block(w3: Web3, address: str) -> int:
    """The first block at which ``address`` has code (binary search over ``eth_getCode``).

    Remembered per chain and address: a contract's deployment block never
    changes. A node without the historical state to answer (not an archive
    node, or one restarted from a state dump) gives 0: the scan is then
    longer but still in bounded chunks; LOG_SCAN_START_BLOCK avoids it.
    """
    address = checksum(address, "contract address")
    with chain_errors("finding deployment block"):
        key = (int(w3.eth.chain_id), address)
        high = int(w3.eth.block_number)
    with _deployed_lock:
        if key in _deployed:
            return _deployed[key]
    try:
        with chain_errors("finding deployment block"):
            if len(w3.eth.get_code(address, high)) == 0:
                return high  # not deployed (yet): nothing to scan before now
            found = _first_block_with_code(w3, address, high)
    except ChainUnavailable:
        raise
    except CertflowError as exc:
        log.warning("deployment_block_unknown", address=address, error=str(exc))
        found = 0
    with _deployed_lock:
        _deployed[key] = found
    return found


def _first_block_with_code(w3: Web3, address: str, high: int) -> int:
    low = 0
    while low < high:
        middle = (low + high) // 2
        if len(w3.eth.get_code(address, middle)) > 0:  # type: ignore[arg-type]
            high = middle
        else:
            low = middle + 1
    return low


def get_logs(w3: Web3, address: str, topics: list[Any], scan: LogScan) -> list[Any]:
    """Every log of ``address`` matching ``topics``, oldest first, scanned in chunks."""
    address = checksum(address, "contract address")
    start = scan.start_block if scan.start_block is not None else deployment_block(w3, address)
    found: list[Any] = []
    with chain_errors("reading logs"):
        latest = int(w3.eth.block_number)
        while start <= latest:
            end = min(start + scan.max_blocks - 1, latest)
            params = {"address": address, "topics": topics, "fromBlock": start, "toBlock": end}
            found.extend(w3.eth.get_logs(cast(FilterParams, params)))
            start = end + 1
    return found

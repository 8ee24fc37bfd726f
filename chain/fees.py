"""EIP-1559 fees: what to offer first, and how much more a replacement must offer."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from certflow.errors import FeeCeilingReached
from chain.rpc import chain_errors

#: Nodes accept a replacement at the same nonce only with both fees raised by >= 10%
#: (geth; others ask 12.5%): a raise of 1/8 satisfies every node.
FEE_BUMP_NUMERATOR, FEE_BUMP_DENOMINATOR = 9, 8


def fee_fields(w3: Web3) -> dict[str, int]:
    """EIP-1559 fees from the node: tip as suggested, cap at twice the next base fee plus tip.

    The next block's base fee (``eth_feeHistory``'s last entry) rather than the
    latest block's: after a spike, only the former says what will be accepted.
    """
    with chain_errors("reading fees"):
        latest = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
        upcoming = w3.eth.fee_history(1, "latest")["baseFeePerGas"]
        base = max(latest, int(upcoming[-1]) if upcoming else 0)
        tip = int(w3.eth.max_priority_fee)
    return {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base + tip}


def bumped_fees(w3: Web3, old: dict[str, Any], ceiling: int | None) -> dict[str, int]:
    """Fees for a replacement: both fields up by 1/8 at least, and never below the node's now.

    FeeCeilingReached when the fee cap would pass ``ceiling`` (wei per gas):
    the transaction waits for fees to fall instead.
    """
    now = fee_fields(w3)
    fees = {
        name: max(-(-int(old[name]) * FEE_BUMP_NUMERATOR // FEE_BUMP_DENOMINATOR), int(now[name]))
        for name in ("maxPriorityFeePerGas", "maxFeePerGas")
    }
    fees["maxFeePerGas"] = max(fees["maxFeePerGas"], fees["maxPriorityFeePerGas"])
    if ceiling is not None and fees["maxFeePerGas"] > ceiling:
        least = -(-int(old["maxFeePerGas"]) * FEE_BUMP_NUMERATOR // FEE_BUMP_DENOMINATOR)
        if least > ceiling:
            raise FeeCeilingReached(
                f"a replacement would pay {least} wei/gas, above the ceiling {ceiling}"
            )
        # The most the ceiling allows is still a valid replacement: offer that.
        fees["maxFeePerGas"] = ceiling
        fees["maxPriorityFeePerGas"] = min(fees["maxPriorityFeePerGas"], ceiling)
    return fees

"""Each batch member checked on its own before anything is signed.

One bad wallet must never sink a batch of 150: a member whose wallet is not
a valid address, is the zero address, or already holds a key the lock counts
(expired ones included) gets its own readable error, and the others go on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eth_utils.address import is_checksum_address
from web3 import Web3

from certflow.errors import ChainUnavailable
from chain.abi import ZERO_ADDRESS
from chain.lock import find_key, has_valid_key, total_keys_many
from chain.logs import LogScan
from db.grants import Member

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

NO_WALLET = "No wallet address on your profile - connect a wallet, then claim again."
BAD_WALLET = "Your wallet address is not a valid address - update it, then claim again."
ZERO_WALLET = "Your wallet address is the zero address - update it, then claim again."
EXPIRED_KEY = (
    "Your wallet already holds an expired key for this certificate - use another wallet,"
    " or contact support."
)
KEY_NOT_READABLE = "key held but its transfer log is not readable yet"


def wallet_problem(wallet: str | None) -> str | None:
    """Why this wallet cannot receive a key, or None.

    Mixed case must be a valid EIP-55 checksum (a typo in a checksummed
    address is caught); all-lower or all-upper hex carries no checksum.
    """
    if not wallet or not wallet.strip():
        return NO_WALLET
    if not _ADDRESS.match(wallet):
        return BAD_WALLET
    body = wallet[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(wallet):
        return BAD_WALLET
    if wallet.lower() == ZERO_ADDRESS:
        return ZERO_WALLET
    return None


@dataclass
class Screened:
    """A grant batch sorted: who needs a key, who has one, who cannot get one."""

    to_grant: list[Member] = field(default_factory=list)
    #: enrollment → (the real transaction of the key it holds, its wallet)
    held: dict[UUID, tuple[str, str]] = field(default_factory=dict)
    refused: dict[UUID, str] = field(default_factory=dict)


def screen_grant(
    w3: Web3, check_w3: Web3, lock: str, members: Sequence[Member], scan: LogScan
) -> Screened:
    """Sort members by their wallet and by the keys the lock counts for it.

    ChainUnavailable propagates: unable to verify means do not grant blindly.
    """
    result = Screened()
    valid: list[Member] = []
    for member in members:
        problem = wallet_problem(member.wallet)
        if problem is None:
            valid.append(member)
        else:
            result.refused[member.id] = problem
    counts = total_keys_many(check_w3, lock, [m.wallet for m in valid])
    for member, count in zip(valid, counts, strict=True):
        if count == 0:
            result.to_grant.append(member)
        elif not has_valid_key(check_w3, lock, member.wallet):
            result.refused[member.id] = EXPIRED_KEY
        else:
            key = find_key(w3, lock, member.wallet, scan)
            if key is None:
                raise ChainUnavailable(KEY_NOT_READABLE)
            result.held[member.id] = (key.tx_hash, member.wallet)
    return result

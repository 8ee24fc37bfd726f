"""The web3 client and the one place where web3/requests errors become ours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from eth_abi.exceptions import EncodingError
from web3 import Web3
from web3.exceptions import (
    ContractCustomError,
    ContractLogicError,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    Web3Exception,
)

from certflow.errors import ChainRefusedForNow, ChainRejected, ChainUnavailable
from certflow.settings import Settings
from chain.contracts import custom_error_name


def make_web3(rpc_url: str, timeout_seconds: float = 30.0) -> Web3:
    """A web3 client with a bounded request time and no silent retries.

    Retrying belongs to the worker's retry policy, which sees ChainUnavailable;
    web3's own retry loop would only hide an outage for longer.
    """
    provider = Web3.HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout_seconds},
        exception_retry_configuration=None,
    )
    return Web3(provider)


def web3_from_settings(settings: Settings) -> Web3:
    """The web3 client that settings describe."""
    return make_web3(settings.rpc_url, settings.rpc_timeout_seconds)


#: What some custom errors mean for certflow, for messages an admin can act on.
_HINTS = {
    "ONLY_LOCK_MANAGER_OR_KEY_GRANTER": (
        "the signer is not a lock manager or key granter of this lock"
    ),
    "LOCK_SOLD_OUT": "the lock sells no keys (grant-only)",
    "MAX_KEYS_REACHED": "the recipient already holds a key",
    "UNAUTHORIZED": "the sender may not do this",
}


def revert_reason(exc: ContractLogicError) -> str:
    """A readable reason for a revert: the custom error's name (and meaning) when known."""
    data = exc.data if isinstance(exc.data, str) else None
    name = custom_error_name(data) if data else None
    if name is None:
        return exc.message or str(exc)
    hint = _HINTS.get(name)
    return f"{name} ({hint})" if hint else name


_UNAVAILABLE = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    ConnectionError,
    TimeoutError,
)


#: Refusals that pass with time or money (DESIGN: "rate limits, underpriced and
#: insufficient funds are transient"): a top-up or a lower base fee lets the same
#: signed transaction through, so it must not fail its batch for good.
_PASSING = ("insufficient funds", "underpriced", "max fee per gas less than block base fee",
            "rate limit", "too many requests")  # fmt: skip


@contextmanager
def chain_errors(what: str) -> Iterator[None]:
    """Turn driver exceptions raised while doing ``what`` into certflow's."""
    try:
        yield
    except _UNAVAILABLE as exc:
        raise ChainUnavailable(
            f"{what}: the RPC node did not answer ({type(exc).__name__})"
        ) from exc
    except (ContractCustomError, ContractLogicError) as exc:
        raise ChainRejected(f"{what}: reverted: {revert_reason(exc)}") from exc
    except (Web3Exception, EncodingError) as exc:
        if any(reason in str(exc).lower() for reason in _PASSING):
            raise ChainRefusedForNow(f"{what}: {exc}") from exc
        raise ChainRejected(f"{what}: {exc}") from exc

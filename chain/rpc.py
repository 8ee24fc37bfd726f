"""The web3 client and the one place where web3/requests errors become ours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

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
    Web3RPCError,
)
from web3.types import RPCEndpoint

from certflow.errors import (
    BatchTooLarge,
    ChainBusy,
    ChainError,
    ChainRejected,
    ChainReverted,
    ChainUnavailable,
    ChainUnrecognised,
    FeeTooLow,
    InsufficientFunds,
)
from certflow.logging import scrub
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
    ConnectionError,
    TimeoutError,
)

#: What nodes and providers say when they refuse for now, by the error certflow raises.
#: Matched against the lowercased message; the first match wins.
_REFUSALS: tuple[tuple[type[ChainError], tuple[str, ...]], ...] = (
    (InsufficientFunds, ("insufficient funds",)),
    (
        FeeTooLow,
        ("underpriced", "fee too low", "less than block base fee", "fee cap", "tip too low"),
    ),
    (BatchTooLarge, ("exceeds block gas limit", "gas required exceeds", "intrinsic gas too")),
    (ChainReverted, ("execution reverted", "revert")),
    (
        ChainBusy,
        (
            "rate limit",
            "too many requests",
            "limit exceeded",
            "txpool is full",
            "pool is full",
            "capacity",
            "try again",
            "busy",
            "header not found",
            "internal error",
        ),
    ),
    (ChainUnavailable, ("timeout", "timed out", "unavailable")),
)
#: JSON-RPC 2.0's own codes for a request that is wrong (parse error, invalid request,
#: no such method, invalid params): sending it again cannot help.
_REQUEST_REFUSED_CODES = {-32700, -32600, -32601, -32602}
#: JSON-RPC codes that mean "slow down" (EIP-1474 limit exceeded; providers' 429 echo).
_BUSY_CODES = {-32005, 429, -32603}


def classify_rpc_error(message: str, code: int | None = None) -> type[ChainError]:
    """The certflow error for a node's JSON-RPC error: transient unless it cannot succeed.
    An error no node is known to send is transient too (retried a bounded number of times):
    refusing for good on words nobody checked would dead-letter good work."""
    return _classified(message, code)[0]


def _classified(message: str, code: int | None) -> tuple[type[ChainError], str]:
    """The error class and what certflow says about it, in its own words: a provider's
    text (which may quote its URL and API key) never goes further than this function."""
    text = message.lower()
    for error, needles in _REFUSALS:
        for needle in needles:
            if needle in text:
                return error, f"the RPC node refused: {needle}"
    if code in _BUSY_CODES:
        return ChainBusy, f"the RPC node is busy (code {code})"
    if code in _REQUEST_REFUSED_CODES:
        return ChainRejected, f"the RPC node refused the request as malformed (code {code})"
    shown = "" if code is None else f" (code {code})"
    return ChainUnrecognised, f"the RPC node answered an error certflow does not recognise{shown}"


def _rpc_error(exc: Web3RPCError) -> tuple[str, int | None]:
    response = exc.rpc_response or {}
    error = response.get("error") if isinstance(response, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        return str(error.get("message", exc)), code if isinstance(code, int) else None
    return str(exc.message or exc), None


def _http_error(exc: requests.exceptions.HTTPError) -> ChainError:
    status = exc.response.status_code if exc.response is not None else None
    if status == 429:
        return ChainBusy("the RPC node is rate limiting (HTTP 429)")
    return ChainUnavailable(f"the RPC node answered HTTP {status}")


def _raise(error: ChainError, exc: BaseException) -> NoReturn:
    """Raise ``error`` from ``exc``, unless ``exc``'s text quotes a URL.

    A driver error may quote the RPC URL, and a hosted provider's API key
    sits in that URL's path or query: such a cause is dropped so no
    traceback, log or dead letter can carry it.
    """
    if scrub(str(exc)) != str(exc):
        raise error from None
    raise error from exc


@contextmanager
def chain_errors(what: str) -> Iterator[None]:
    """Turn driver exceptions raised while doing ``what`` into certflow's."""
    try:
        yield
    except TooManyRequests as exc:
        _raise(ChainBusy(f"{what}: the RPC node is rate limiting"), exc)
    except requests.exceptions.HTTPError as exc:
        error = _http_error(exc)
        _raise(type(error)(f"{what}: {error}"), exc)
    except _UNAVAILABLE as exc:
        _raise(ChainUnavailable(f"{what}: the RPC node did not answer ({type(exc).__name__})"), exc)
    except (ContractCustomError, ContractLogicError) as exc:
        _raise(ChainReverted(f"{what}: reverted: {revert_reason(exc)}"), exc)
    except Web3RPCError as exc:
        kind, said = _classified(*_rpc_error(exc))
        _raise(kind(f"{what}: {said}"), exc)
    except (Web3Exception, EncodingError) as exc:
        _raise(
            ChainRejected(f"{what}: the RPC node's answer was refused ({type(exc).__name__})"), exc
        )


def mine_block(w3: Web3) -> None:
    """Ask a dev node (anvil) to mine one block now (``evm_mine``), for DEV_MINE_WHEN_SLOW.

    anvil's automine builds a block only when a transaction arrives, with the
    pending transactions that fit; one that did not fit (a near-full-block
    grantKeys or multiAttest) waits for the next arrival, which may never
    come. A real chain mines on its own, so only dev settings use this. It is
    one RPC call: the production path never imports ``chain.devnode`` (the
    process that runs anvil) for it.
    """
    with chain_errors("mining a dev block"):
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])

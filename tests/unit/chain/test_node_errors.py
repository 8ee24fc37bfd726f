"""Node errors become certflow errors by what they mean, and never quote an RPC URL."""

from __future__ import annotations

import pytest
import requests
from web3.exceptions import Web3RPCError

from certflow.errors import (
    BatchTooLarge,
    ChainBusy,
    ChainRejected,
    ChainReverted,
    ChainUnavailable,
    ChainUnrecognised,
    FeeTooLow,
    InsufficientFunds,
)
from certflow.logging import redact_urls
from chain.fees import FEE_BUMP_DENOMINATOR, FEE_BUMP_NUMERATOR
from chain.rpc import chain_errors, classify_rpc_error

SECRET = "sk_live_0123456789abcdef"  # noqa: S105 - a made-up key that must never show
URL = f"https://base-mainnet.example.com/v2/{SECRET}?apikey={SECRET}"


@pytest.mark.parametrize(
    ("message", "code", "expected"),
    [
        ("Insufficient funds for gas * price + value", -32003, InsufficientFunds),
        ("insufficient funds for gas * price + value: balance 0", -32000, InsufficientFunds),
        ("replacement transaction underpriced", -32000, FeeTooLow),
        ("transaction underpriced", -32000, FeeTooLow),
        ("max fee per gas less than block base fee", -32003, FeeTooLow),
        ("txpool is full", -32000, ChainBusy),
        ("Your app has exceeded its compute units per second capacity", 429, ChainBusy),
        ("daily request count exceeded, request rate limited", -32005, ChainBusy),
        ("something the node has never said before", -32005, ChainBusy),
        ("request timed out", -32000, ChainUnavailable),
        ("execution reverted: MAX_KEYS_REACHED", 3, ChainReverted),
        ("Out of gas: gas required exceeds allowance: 30000000", -32000, BatchTooLarge),
        ("invalid argument 0: hex string has length 3", -32602, ChainRejected),
        # Issue 19, item 2: words no node is known to say are transient (retried, bounded).
        ("upstream exploded at https://rpc.example/v2/KEY", -32099, ChainUnrecognised),
        ("something odd", None, ChainUnrecognised),
    ],
)
def test_node_errors_are_classified_by_meaning(
    message: str, code: int | None, expected: type[Exception]
) -> None:
    assert classify_rpc_error(message, code) is expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ChainBusy, True),
        (InsufficientFunds, True),
        (FeeTooLow, True),
        (ChainUnavailable, True),
        (ChainReverted, False),
        (BatchTooLarge, False),
    ],
)
def test_only_a_revert_is_permanent(error: type[ChainRejected], expected: bool) -> None:
    assert error().transient is expected


def _http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    response.url = URL
    return requests.HTTPError(
        f"{status} Client Error: Too Many Requests for url: {URL}", response=response
    )


@pytest.mark.parametrize(
    ("status", "expected"), [(429, ChainBusy), (500, ChainUnavailable), (502, ChainUnavailable)]
)
def test_http_errors_are_transient_and_drop_the_url_with_its_cause(
    status: int, expected: type[Exception]
) -> None:
    with pytest.raises(expected) as caught, chain_errors("reading fees"):
        raise _http_error(status)

    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True  # no traceback can show the original


def test_a_connection_error_quoting_the_url_path_is_dropped_too() -> None:
    with pytest.raises(ChainUnavailable) as caught, chain_errors("reading nonce"):
        raise requests.ConnectionError(
            f"HTTPSConnectionPool(host='x', port=443): Max retries exceeded with url: /v2/{SECRET}"
        )

    assert caught.value.__cause__ is None


def test_a_json_rpc_error_is_said_in_certflows_words_never_the_providers() -> None:
    with pytest.raises(ChainBusy) as caught, chain_errors("broadcasting"):
        raise Web3RPCError(
            "rate limited",
            rpc_response={"error": {"code": -32005, "message": f"rate limited, see {URL}"}},
        )

    assert str(caught.value) == "broadcasting: the RPC node refused: rate limit"
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [URL, f"failed: {URL} (x)", f"with url: /v2/{SECRET}?apikey={SECRET} (Caused by", f"'{URL}'"],
)
def test_redact_urls_removes_paths_and_queries(text: str) -> None:
    assert SECRET not in redact_urls(text)


def test_redact_urls_keeps_the_host() -> None:
    assert redact_urls(URL) == "https://base-mainnet.example.com/[redacted]"


def test_a_replacement_raises_fees_by_at_least_an_eighth() -> None:
    assert FEE_BUMP_NUMERATOR / FEE_BUMP_DENOMINATOR >= 1.125

"""Issue 19, item 2: secrets are scrubbed in any form from error text, dead-letter
reasons and log lines: URL paths and queries, `apikey=`-style parameters anywhere,
bearer tokens, private keys and URL passwords."""

from __future__ import annotations

import pytest

from certflow.errors import ChainUnavailable
from certflow.logging import scrub
from workers import policy

KEY = "sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.mark.parametrize(
    "text",
    [
        f"POST https://eth.example/v2/{KEY} failed",
        f"node said: bad request (apikey={KEY})",
        f"retry with api_key={KEY}&chain=1",
        f"access_token={KEY}",
        f"header Authorization: Bearer {KEY}",
        f"token={KEY}",
        f"postgresql://user:{KEY}@db/certflow",
    ],
)
def test_a_key_in_any_form_is_scrubbed(text: str) -> None:
    assert KEY not in scrub(text)
    assert "[redacted]" in scrub(text)


def test_ordinary_words_are_kept() -> None:
    text = "grant_key: the RPC node did not answer (ReadTimeout); key check skipped"

    assert scrub(text) == text


def test_a_dead_letter_reason_is_scrubbed() -> None:
    reason = policy.reason(ChainUnavailable(f"attest: node said apikey={KEY}"))

    assert KEY not in reason
    assert reason == "attest: node said apikey=[redacted]"

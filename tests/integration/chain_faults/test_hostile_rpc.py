"""8. An RPC endpoint with an API key in its URL that answers 429 or 500."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from issuance.certificates.issuer import Issuer
from tests.integration.chain_faults.harness import (
    HostileProxy,
    errors_shown,
    new_wallets,
    seed_claims,
    settle,
    states,
)
from tests.integration.helpers import rows


@pytest.fixture
def proxy(node: Any) -> Iterator[HostileProxy]:
    with HostileProxy(node.url) as hostile:
        yield hostile


@pytest.fixture
def settings(settings: Settings, proxy: HostileProxy) -> Settings:
    """The test's settings, talking to the chain only through the hostile endpoint."""
    return settings.model_copy(update={"rpc_url": proxy.url})


@pytest.mark.slow
def test_rate_limits_and_server_errors_are_retried_and_the_api_key_is_never_shown(
    engine: sa.Engine,
    lock: str,
    settings: Settings,
    proxy: HostileProxy,
    flags_on: None,
    relay: Any,
    worker: Any,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    caplog.set_level(logging.INFO)  # production's default level
    ids = seed_claims(engine, lock, list(new_wallets(20)))

    # The workers retry what the endpoint refuses; whatever runs out of retries is
    # dead-lettered and left to the reconciler, which is what settle() runs last.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(s.done for s in states(engine, ids)):
        time.sleep(0.2)
    settle(Issuer.build(settings, engine), ids)

    assert proxy.refused > 0
    assert invariants_for(ids) == {"keys": 20, "attestations": 20}
    assert errors_shown(engine, ids) == []
    letters = rows(engine, "SELECT * FROM dead_letters")
    printed = capfd.readouterr()
    for text in (caplog.text, printed.out, printed.err, repr(letters)):
        assert proxy.API_KEY not in text
    # The refusals were logged, redacted (the proxy answers 429 or 500 at random).
    shown = caplog.text + printed.out
    assert any(sign in shown for sign in ("429", "rate limiting", "500", "Server Error"))

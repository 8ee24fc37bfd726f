"""A chain or render worker loads its use cases at boot; other workers never do."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from structlog.testing import capture_logs

from certflow.settings import Settings
from render import fonts
from workers.middleware.warm_up import WarmUp, warm_up
from workers.runtime import Runtime

#: anvil's dev account 1; worthless off a dev chain.
KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _runtime(**env: str) -> Runtime:
    settings = Settings.model_validate(
        {"DATABASE_URL": "postgresql://unused@127.0.0.1/unused", **env}
    )
    return Runtime.build(settings)


def _boot(rt: Runtime, queues: set[str] | None) -> set[str]:
    """Boot the middleware for a worker on ``queues``; the names of threads it started."""
    middleware = WarmUp(rt)
    middleware.after_worker_boot(rt.broker, SimpleNamespace(consumer_whitelist=queues))
    if middleware.thread is None:
        return set()
    middleware.thread.join(30)
    assert middleware.thread.daemon  # never holds a stopping worker
    return {middleware.thread.name}


def test_a_chain_worker_builds_its_issuer_at_boot() -> None:
    rt = _runtime(SIGNER_PRIVATE_KEY=KEY)
    assert _boot(rt, {"chain"}) == {"warm-up"}
    assert rt._issuer is not None
    assert rt._issuer.sender.signer.address.startswith("0x")


def test_a_worker_on_every_queue_warms_up_too() -> None:
    rt = _runtime(SIGNER_PRIVATE_KEY=KEY)
    assert _boot(rt, None) == {"warm-up"}
    assert rt._issuer is not None


def test_a_completion_worker_loads_nothing() -> None:
    rt = _runtime(SIGNER_PRIVATE_KEY=KEY)
    assert _boot(rt, {"completion", "achievements"}) == set()
    assert rt._issuer is None


def test_a_render_worker_registers_every_font_at_boot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_loaded", {})  # as in a fresh process: nothing registered yet
    rt = _runtime()
    assert _boot(rt, {"render"}) == {"warm-up"}
    assert set(fonts._loaded) == _every_font()
    assert rt._issuer is None


def test_a_failed_warm_up_is_logged_and_left_to_the_first_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No signer key: the chain part fails (logged, not raised) and the render part
    still runs; the issuer is left for the first message to build and report."""
    monkeypatch.setattr(fonts, "_loaded", {})
    rt = _runtime()
    with capture_logs() as logs:
        warm_up(rt, {"chain", "render"})

    failed = [e for e in logs if e["event"] == "warm_up_failed"]
    assert [e["queue"] for e in failed] == ["chain"]
    assert "SIGNER_PRIVATE_KEY" in failed[0]["error"]
    assert set(fonts._loaded) == _every_font()
    assert rt._issuer is None


def _every_font() -> set[str]:
    return {font.name for face in fonts.Face for font in face.chain}

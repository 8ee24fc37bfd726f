"""Two runs of one grant batch at once: the batch is sent by one of them, and a key
that is already on chain when a run asks for gas is recorded, never failed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from chain.devnode import DevNode
from chain.lock import grant_keys_calldata
from db import claims
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer, PassResult
from tests.integration.chain_faults.harness import (
    PausingProxy,
    errors_shown,
    new_wallets,
    seed_claims,
    states,
)


@pytest.fixture
def paused_at_gas(node: DevNode) -> Iterator[PausingProxy]:
    """The first run's gas estimate, held: the run has its batch and has not signed."""
    with PausingProxy(node.url, "eth_estimateGas") as proxy:
        yield proxy


@contextmanager
def _owner_paused(
    make_issuer: Callable[..., Issuer], proxy: PausingProxy, enrollment_id: UUID
) -> Iterator[Future[PassResult]]:
    """A grant pass for ``enrollment_id`` in a thread, held at its gas estimate (the
    batch assigned, nothing signed) until the test sets ``proxy.release``."""
    # Its RPC calls wait for the test, not for a timeout.
    owner = make_issuer(rpc_url=proxy.url, rpc_timeout_seconds=60.0)
    with ThreadPoolExecutor(1) as pool:
        try:
            sending = pool.submit(grant_for, owner, enrollment_id)
            assert proxy.arrived.wait(30), "the first run never asked for gas"
            yield sending
        finally:
            proxy.release.set()  # a failing test does not leave the owner waiting


def test_a_retry_leaves_a_batch_to_the_run_still_sending_it(
    engine: sa.Engine,
    lock: str,
    issuer: Issuer,
    make_issuer: Callable[..., Issuer],
    paused_at_gas: PausingProxy,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    first, second = ids = seed_claims(engine, lock, list(new_wallets(2)))
    with _owner_paused(make_issuer, paused_at_gas, first) as sending:
        [batch] = {s.batch for s in states(engine, ids)}
        assert batch is not None  # both are in the batch the first run is sending

        # The second learner's message hit BatchBusy while the batch was being made;
        # its retry comes while the owner is alive and sending.
        retried = grant_for(issuer, second, take_over=True)
        paused_at_gas.release.set()
        error = sending.exception(timeout=60)

    assert errors_shown(engine, ids) == []
    assert [s.issued for s in states(engine, ids)] == [True, True]
    assert error is None, f"the owner's run failed: {error!r}"
    assert sending.result().outcome == "granted"
    assert retried.outcome == "in_batch"
    assert invariants_for(ids) == {"keys": 2, "attestations": 0}


def test_keys_granted_while_a_run_waits_for_its_gas_estimate_are_recorded_not_failed(
    engine: sa.Engine,
    lock: str,
    issuer: Issuer,
    make_issuer: Callable[..., Issuer],
    paused_at_gas: PausingProxy,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    ids = seed_claims(engine, lock, list(new_wallets(2)))
    wallets = [s.wallet or "" for s in states(engine, ids)]
    with _owner_paused(make_issuer, paused_at_gas, ids[0]) as sending:
        # Someone else (a run that lost its database session and so its claim on the
        # batch) grants the same keys first: the held estimate will revert.
        data = grant_keys_calldata(wallets, issuer.key_manager)
        other: Any = issuer.sender.send("grant_keys", "grant_keys:elsewhere", lock, data)
        paused_at_gas.release.set()
        error = sending.exception(timeout=60)

    assert errors_shown(engine, ids) == []
    assert error is None, f"the run failed: {error!r}"
    rows = states(engine, ids)
    assert [s.issued for s in rows] == [True, True]
    with engine.connect() as conn:
        hashes = conn.execute(
            sa.text("SELECT certificate_tx_hash FROM bootcamp_enrollments WHERE id = ANY(:ids)"),
            {"ids": ids},
        ).scalars()
        assert set(hashes) == {other.tx_hash}
    assert invariants_for(ids) == {"keys": 2, "attestations": 0}


def test_a_batch_older_than_batch_stale_seconds_is_not_stale_while_its_owner_sends_it(
    engine: sa.Engine,
    lock: str,
    issuer: Issuer,
    make_issuer: Callable[..., Issuer],
    paused_at_gas: PausingProxy,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    first, second = ids = seed_claims(engine, lock, list(new_wallets(2)))
    with _owner_paused(make_issuer, paused_at_gas, first) as sending:
        with engine.begin() as conn:  # a slow send: older than BATCH_STALE_SECONDS
            conn.execute(
                sa.text(
                    "UPDATE bootcamp_enrollments SET certificate_grant_batch_at ="
                    " now() - interval '1 hour' WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            )
        with engine.connect() as conn:
            target = claims.target(conn, second, issuer.settings.batch_stale_seconds)
        assert target is not None
        assert target.grant_batch_stale is False

        later = grant_for(issuer, second)  # a first delivery, or the reconciler's pass
        paused_at_gas.release.set()
        error = sending.exception(timeout=60)

    assert error is None, f"the owner's run failed: {error!r}"
    assert later.outcome == "in_batch"
    assert errors_shown(engine, ids) == []
    assert invariants_for(ids) == {"keys": 2, "attestations": 0}
    with engine.connect() as conn:  # once its owner is done, a batch is stale by age again
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_grant_batch = 'grant_keys:dead',"
                " certificate_grant_batch_at = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": second},
        )
        target = claims.target(conn, second, issuer.settings.batch_stale_seconds)
        conn.rollback()
    assert target is not None
    assert target.grant_batch_stale is True

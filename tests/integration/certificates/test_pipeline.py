"""Claim → grant_key → attest through the relay and a worker, checked against the chain."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from web3 import Web3

from chain.abi import checksum
from chain.attestation import attested_events, get_attestation
from chain.deploy import DevDeployment
from chain.lock import has_valid_key, lock_contract
from chain.transactions import Signer
from db import claims, seed
from tests.fixtures.database import wait_until
from tests.integration.certificates.conftest import Learners, claim, enrollment, transfers_to
from tests.integration.helpers import rows, scalar


def _attested(engine: sa.Engine, enrollment_id: UUID) -> Any:
    row = enrollment(engine, enrollment_id)
    return row if row.certificate_attestation_uid else None


def _settled(engine: sa.Engine, broker: Any, worker: Any) -> None:
    broker.join("chain", timeout=60_000)
    worker.join()


def test_completion_to_claim_to_key_and_attestation_matches_the_chain(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    signer: Signer,
    dev_deployment: DevDeployment,
    pipeline: None,
    broker: Any,
    worker: Any,
    flags_on: None,
) -> None:
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id="web3",
            cohort_id="web3-2025-01",
            milestones=3,
            xp_per_milestone=250,
            bootcamp_title="Web3 Foundations",
            cohort_name="January 2025",
            lock_address=lock,
        )
        learner = "0x" + "5a" * 20
        seed.enroll_learners(conn, cohort, ["Ada"], [checksum(learner)])
        ((user, enrollment_id),) = cohort.learners.items()
        for milestone in cohort.milestone_ids:
            seed.complete_milestone(conn, user, milestone)
    wait_until(lambda: enrollment(engine, enrollment_id).enrollment_status == "completed")

    assert claim(engine, enrollment_id)["success"] is True

    row = wait_until(lambda: _attested(engine, enrollment_id), timeout=60)
    _settled(engine, broker, worker)
    wallet = checksum(learner)
    assert has_valid_key(w3, lock, wallet) is True
    [transfer] = transfers_to(w3, lock, wallet)
    assert "0x" + bytes(transfer["transactionHash"]).hex() == row.certificate_tx_hash
    assert lock_contract(w3, lock).functions.keyManagerOf(transfer["args"]["tokenId"]).call() == (
        signer.address
    )
    [event] = attested_events(
        w3,
        dev_deployment.eas_contract_address,
        schema=dev_deployment.bootcamp_completion_schema_uid,
        attester=signer.address,
        recipient=wallet,
    )
    assert event.uid == row.certificate_attestation_uid
    onchain = get_attestation(w3, dev_deployment.eas_contract_address, event.uid)
    assert onchain is not None
    completion = onchain.completion()
    assert completion.cohort_id == "web3-2025-01"
    assert completion.cohort_name == "January 2025"
    assert completion.bootcamp_id == "web3"
    assert completion.bootcamp_title == "Web3 Foundations"
    assert completion.user_address == wallet
    assert completion.completion_date == int(row.completion_date.timestamp())
    assert completion.total_xp_earned == 750
    assert completion.certificate_tx_hash == row.certificate_tx_hash
    assert onchain.revocable is False
    assert row.certificate_issued is True
    assert row.certificate_issued_at is not None
    assert row.certificate_claim_in_progress is False
    assert row.certificate_last_error is None
    kinds = [
        r.kind
        for r in rows(
            engine, "SELECT kind FROM event_outbox WHERE kind LIKE 'certificate.%' ORDER BY id"
        )
    ]
    assert kinds == [
        "certificate.claim_requested",
        "certificate.key_granted",
        "certificate.attested",
    ]
    with engine.begin() as conn:
        status = claims.status(conn, enrollment_id)
    assert status is not None
    assert status["certificate"]["txHash"] == row.certificate_tx_hash
    assert status["certificate"]["attestationUid"] == row.certificate_attestation_uid
    assert status["certificate"]["canRetryAttestation"] is False
    assert (
        scalar(engine, "SELECT count(*) FROM dead_letters WHERE actor IN ('grant_key', 'attest')")
        == 0
    )


def test_auto_claim_grants_on_completion(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    settings: Any,
    database_url: str,
    redis_url: str,
    chain_env: dict[str, str],
) -> None:
    """AUTO_CLAIM=true: the enrollment.completed event claims on the learner's behalf."""
    import dramatiq

    from events.relay import Relay
    from tests.fixtures.database import settings_for
    from workers.actors import declare_actors
    from workers.runtime import Runtime

    auto = settings_for(
        database_url, REDIS_URL=redis_url, AUTO_CLAIM="true", RELAY_POLL_SECONDS="0.2", **chain_env
    )
    current = Runtime.build(auto)
    declare_actors(current)
    broker = current.broker
    worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=50)
    worker.start()
    relay = Relay(auto, broker)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        with engine.begin() as conn:
            claims.sync_flags(conn, auto)  # what `certflow flags` does, as the admin
            cohort = seed.create_cohort(
                conn, bootcamp_id="b", cohort_id="c", milestones=1, lock_address=lock
            )
            learner = checksum("0x" + "6b" * 20)
            seed.enroll_learners(conn, cohort, ["Grace"], [learner])
            ((user, enrollment_id),) = cohort.learners.items()
            seed.complete_milestone(conn, user, cohort.milestone_ids[0])
        wait_until(lambda: _attested(engine, enrollment_id), timeout=60)
    finally:
        relay.stop()
        thread.join(10)
        worker.stop(timeout=10_000)
        current.close()
    assert has_valid_key(w3, lock, learner) is True
    assert len(transfers_to(w3, lock, learner)) == 1


def test_fifty_simultaneous_claims_give_one_key_and_one_attestation(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    signer: Signer,
    dev_deployment: DevDeployment,
    flags_on: None,
    completed_learners: Learners,
    pipeline: None,
    broker: Any,
    worker: Any,
) -> None:
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address
    barrier = threading.Barrier(50)
    results: list[dict[str, Any]] = []

    def click() -> None:
        barrier.wait()
        results.append(claim(engine, enrollment_id))

    threads = [threading.Thread(target=click) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    row = wait_until(lambda: _attested(engine, enrollment_id), timeout=60)
    _settled(engine, broker, worker)

    assert sum(1 for r in results if r["success"]) == 1
    assert len(transfers_to(w3, lock, wallet)) == 1
    assert (
        len(
            attested_events(
                w3,
                dev_deployment.eas_contract_address,
                schema=dev_deployment.bootcamp_completion_schema_uid,
                attester=signer.address,
                recipient=wallet,
            )
        )
        == 1
    )
    assert row.certificate_issued is True
    assert row.certificate_claim_in_progress is False
    # Clicking again after issue is the source's alreadyIssued, not a second key.
    again = claim(engine, enrollment_id)
    assert again["alreadyIssued"] is True
    assert again["txHash"] == row.certificate_tx_hash
    assert (
        scalar(engine, "SELECT count(*) FROM chain_transactions WHERE intent = 'grant_keys'") == 1
    )


@pytest.mark.slow
def test_waiting_claims_of_one_lock_share_one_grant_keys(
    engine: sa.Engine,
    w3: Web3,
    lock: str,
    flags_on: None,
    completed_learners: Learners,
    broker: Any,
    relay: Any,
) -> None:
    """Claims made before a worker runs are granted in one transaction, attested in one."""
    import dramatiq

    enrollments = completed_learners(20)  # ATTEST_BATCH_MAX: one multiAttest holds 20
    for enrollment_id in enrollments:
        assert claim(engine, enrollment_id)["success"] is True
    wait_until(
        lambda: scalar(engine, "SELECT count(*) FROM event_outbox WHERE dispatched_at IS NULL") == 0
    )

    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        wait_until(lambda: all(_attested(engine, e) for e in enrollments), timeout=90)
        broker.join("chain", timeout=60_000)
        worker.join()
    finally:
        worker.stop(timeout=10_000)

    txs = rows(engine, "SELECT intent, status FROM chain_transactions ORDER BY nonce")
    assert [t.intent for t in txs].count("grant_keys") == 1
    assert [t.intent for t in txs].count("multi_attest") == 1
    assert {t.status for t in txs} == {"mined"}
    hashes = {enrollment(engine, e).certificate_tx_hash for e in enrollments}
    assert len(hashes) == 1
    assert lock_contract(w3, lock).functions.totalSupply().call() == 20

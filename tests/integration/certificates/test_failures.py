"""Failures the learner sees as recorded messages; nothing sent twice, nothing sent blindly."""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from eth_utils.crypto import keccak
from web3 import Web3

from certflow.errors import AttestationFailed, KeyCheckUnavailable
from certflow.settings import Settings
from chain.abi import calldata
from chain.attestation import attested_events
from chain.deploy import DevDeployment
from chain.rpc import make_web3
from chain.transactions import Signer, send_direct
from db import claims
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import (
    BAD_LOCK,
    BAD_WALLET,
    NO_LOCK_CONTRACT,
    NO_WALLET,
    grant_for,
)
from issuance.certificates.issuer import Issuer
from issuance.operations.attest_retry import retry_attestation
from tests.fixtures.database import wait_until
from tests.integration.certificates.conftest import Learners, claim, enrollment, transfers_to
from tests.integration.helpers import rows, scalar

ATTESTATION_PENDING = (
    "Certificate issued successfully. Attestation pending - retry available on your dashboard."
)


def _error_recorded(engine: sa.Engine, enrollment_id: Any) -> Any:
    row = enrollment(engine, enrollment_id)
    return row if row.certificate_last_error else None


def test_grant_by_a_signer_that_is_not_lock_manager_is_recorded_and_retry_works_after_fix(
    engine: sa.Engine,
    w3: Web3,
    fresh_lock: str,
    lock_manager: Signer,
    signer: Signer,
    flags_on: None,
    completed_learners: Learners,
    pipeline: None,
    broker: Any,
    worker: Any,
) -> None:
    """The lock belongs to another account: revert before a nonce is spent, dead-lettered once."""
    [enrollment_id] = completed_learners(lock_address=fresh_lock)
    wallet = enrollment(engine, enrollment_id).wallet_address

    assert claim(engine, enrollment_id)["success"] is True
    row = wait_until(lambda: _error_recorded(engine, enrollment_id), timeout=30)
    [letter] = wait_until(
        lambda: rows(engine, "SELECT * FROM dead_letters WHERE actor = 'grant_key'")
    )

    assert row.certificate_last_error.startswith("Key grant failed: ")
    assert "not a lock manager" in row.certificate_last_error
    assert row.certificate_issued is False
    assert row.certificate_claim_in_progress is False
    assert row.certificate_retry_count == 1
    assert letter.permanent is True
    assert letter.retries == 0
    assert letter.error_type == "KeyGrantFailed"
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 0
    assert transfers_to(w3, fresh_lock, wallet) == []

    # The admin makes the signer a lock manager; the learner clicks again.
    role = keccak(text="LOCK_MANAGER")
    send_direct(
        w3, lock_manager, fresh_lock, calldata("grantRole(bytes32,address)", [role, signer.address])
    )
    assert claim(engine, enrollment_id)["success"] is True
    wait_until(lambda: enrollment(engine, enrollment_id).certificate_attestation_uid, timeout=60)

    row = enrollment(engine, enrollment_id)
    assert row.certificate_issued is True
    assert row.certificate_last_error is None
    assert len(transfers_to(w3, fresh_lock, wallet)) == 1
    assert scalar(engine, "SELECT count(*) FROM dead_letters WHERE actor = 'grant_key'") == 1


@pytest.mark.parametrize("schema_uid", ["0x" + "12" * 32, None], ids=["wrong", "unset"])
def test_attestation_failure_leaves_the_certificate_issued_and_retry_attests_once(
    engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    signer: Signer,
    dev_deployment: DevDeployment,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
    schema_uid: str | None,
) -> None:
    broken = Issuer.build(
        settings.model_copy(update={"bootcamp_completion_schema_uid": schema_uid}), engine
    )
    [enrollment_id] = completed_learners()
    wallet = enrollment(engine, enrollment_id).wallet_address
    claim(engine, enrollment_id)
    grant_for(issuer, enrollment_id)

    with pytest.raises(AttestationFailed):
        attest_for(broken, enrollment_id)

    row = enrollment(engine, enrollment_id)
    assert row.certificate_issued is True
    assert row.certificate_tx_hash is not None
    assert row.certificate_attestation_uid is None
    assert row.certificate_last_error == ATTESTATION_PENDING
    [failed] = rows(
        engine, "SELECT payload FROM event_outbox WHERE kind = 'certificate.attestation_failed'"
    )
    assert failed.payload["enrollment_id"] == str(enrollment_id)
    with engine.begin() as conn:
        status = claims.status(conn, enrollment_id)
    assert status is not None
    assert status["certificate"]["canRetryAttestation"] is True
    # A late redelivery of key_granted does not attest behind the learner's back.
    assert attest_for(issuer, enrollment_id).outcome == "failed"

    first = retry_attestation(issuer, enrollment_id)
    second = retry_attestation(issuer, enrollment_id)

    assert first["found"] is False
    assert second == {"success": True, "found": True, "uid": first["uid"]}
    made = attested_events(
        w3,
        dev_deployment.eas_contract_address,
        schema=dev_deployment.bootcamp_completion_schema_uid,
        attester=signer.address,
        recipient=wallet,
    )
    assert [e.uid for e in made] == [first["uid"]]
    row = enrollment(engine, enrollment_id)
    assert row.certificate_attestation_uid == first["uid"]
    assert row.certificate_last_error is None
    assert row.certificate_attestation_failed_at is None
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'certificate.attested'") == 1
    )


def test_messages_for_bad_input_say_what_to_fix() -> None:
    assert NO_WALLET == "No wallet address on your profile - connect a wallet, then claim again."
    assert BAD_LOCK == "Certificate lock address is invalid - please contact support."


def test_bad_input_is_recorded_and_nothing_is_sent(
    engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    flags_on: None,
    completed_learners: Learners,
    pipeline: None,
    broker: Any,
    worker: Any,
) -> None:
    cases = {
        NO_WALLET: completed_learners(wallets=[None])[0],
        BAD_WALLET: completed_learners(wallets=["0x1234"])[0],
        BAD_LOCK: completed_learners(lock_address="0xnot-a-lock")[0],
        NO_LOCK_CONTRACT: completed_learners(lock_address="0x" + "77" * 20)[0],
    }
    [flag_off] = completed_learners()
    block_before = w3.eth.block_number

    for enrollment_id in cases.values():
        assert claim(engine, enrollment_id)["success"] is True
    with engine.begin() as conn:
        off = settings.model_copy(update={"bootcamp_certificates_enabled": False})
        refused = claims.request_claim(conn, off, flag_off)

    for message, enrollment_id in cases.items():
        row = wait_until(functools.partial(_error_recorded, engine, enrollment_id), timeout=30)
        assert row.certificate_last_error == message
        assert row.certificate_claim_in_progress is False
        assert row.certificate_issued is False
    assert refused["error"] == "Certificate feature not enabled."
    wait_until(lambda: scalar(engine, "SELECT count(*) FROM dead_letters") == 4)
    letters = rows(engine, "SELECT actor, permanent, retries, reason FROM dead_letters")
    assert {(x.actor, x.permanent, x.retries) for x in letters} == {("grant_key", True, 0)}
    assert {x.reason for x in letters} == set(cases)
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 0
    assert w3.eth.block_number == block_before
    assert enrollment(engine, flag_off).certificate_claim_in_progress is False


@pytest.fixture
def silent_rpc() -> Iterator[str]:
    """An RPC endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def test_key_check_timeout_records_the_source_message_and_grants_nothing(
    engine: sa.Engine,
    w3: Web3,
    issuer: Issuer,
    silent_rpc: str,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    [enrollment_id] = completed_learners()
    claim(engine, enrollment_id)
    issuer.check_w3 = make_web3(silent_rpc, timeout_seconds=0.3)

    with pytest.raises(KeyCheckUnavailable) as caught:
        grant_for(issuer, enrollment_id)

    message = (
        "Unable to verify certificate status. You may already have this certificate."
        " Please check your wallet before retrying."
    )
    assert caught.value.transient is True
    row = enrollment(engine, enrollment_id)
    assert row.certificate_last_error == message
    assert row.certificate_issued is False
    assert row.certificate_claim_in_progress is True  # retried by the worker, not given up
    assert row.certificate_grant_batch is None
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 0

"""EAS attestations of the V2 schema against the real contracts on anvil."""

from __future__ import annotations

from collections.abc import Callable

from web3 import Web3

from chain import contracts
from chain.attestation import (
    SCHEMA,
    CompletionAttestation,
    attest_calldata,
    eas_contract,
    find_attestation,
    get_attestation,
    multi_attest_calldata,
    parse_attested,
    schema_uid,
)
from chain.deploy import DevDeployment, register_schema
from chain.transactions import Signer, send_direct


def completion(learner: str, cohort: str = "cohort-1", xp: int = 1250) -> CompletionAttestation:
    return CompletionAttestation(
        cohort_id=cohort,
        cohort_name="Web3 Bootcamp — Cohort 1",
        bootcamp_id="bootcamp-web3",
        bootcamp_title="Web3 Foundations",
        user_address=learner,
        completion_date=1_735_689_600,
        total_xp_earned=xp,
        certificate_tx_hash="0x" + "ab" * 32,
    )


def test_schema_is_registered_under_the_computed_uid(
    w3: Web3, dev_deployment: DevDeployment, lock_manager: Signer
) -> None:
    """Registering again reports the existing uid instead of failing."""
    again = register_schema(w3, lock_manager, dev_deployment.schema_registry_address)

    assert again.created is False
    assert again.uid == schema_uid(SCHEMA) == dev_deployment.bootcamp_completion_schema_uid
    registry = w3.eth.contract(
        address=Web3.to_checksum_address(dev_deployment.schema_registry_address),
        abi=contracts.schema_registry().abi,
    )
    _uid, resolver, revocable, schema = registry.functions.getSchema(again.uid).call()
    assert (schema, resolver, revocable) == (SCHEMA, "0x" + "0" * 40, False)


def test_attest_stores_the_completion_for_the_learner(
    w3: Web3, dev_deployment: DevDeployment, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    eas, schema = dev_deployment.eas_contract_address, dev_deployment.bootcamp_completion_schema_uid
    item = completion(new_learner())

    sent = send_direct(w3, lock_manager, eas, attest_calldata(schema, item))

    [event] = parse_attested(sent.receipt, eas)
    assert (event.recipient, event.attester, event.schema_uid) == (
        item.user_address,
        lock_manager.address,
        schema,
    )
    stored = get_attestation(w3, eas, event.uid)
    assert stored is not None
    assert stored.completion() == item
    assert (stored.recipient, stored.revocable, stored.expiration_time) == (
        item.user_address,
        False,
        0,
    )
    assert eas_contract(w3, eas).functions.isAttestationValid(event.uid).call() is True


def test_multi_attest_creates_one_attestation_per_completion_in_order(
    w3: Web3, dev_deployment: DevDeployment, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    eas, schema = dev_deployment.eas_contract_address, dev_deployment.bootcamp_completion_schema_uid
    items = [completion(new_learner(), xp=100 * i) for i in range(4)]

    sent = send_direct(w3, lock_manager, eas, multi_attest_calldata(schema, items))

    events = parse_attested(sent.receipt, eas)
    assert [event.recipient for event in events] == [item.user_address for item in items]
    decoded = [get_attestation(w3, eas, event.uid) for event in events]
    assert [found.completion() if found else None for found in decoded] == items


def test_find_attestation_matches_cohort_and_learner(
    w3: Web3, dev_deployment: DevDeployment, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    eas, schema = dev_deployment.eas_contract_address, dev_deployment.bootcamp_completion_schema_uid
    learner = new_learner()
    sent = send_direct(w3, lock_manager, eas, attest_calldata(schema, completion(learner, "c-7")))
    [event] = parse_attested(sent.receipt, eas)

    def find(cohort: str, who: str = learner) -> str | None:
        found = find_attestation(
            w3, eas, schema=schema, attester=lock_manager.address, recipient=who, cohort_id=cohort
        )
        return found.uid if found else None

    assert find("c-7") == event.uid
    assert find("c-8") is None
    assert find("c-7", new_learner()) is None


def test_unknown_uid_has_no_attestation(w3: Web3, dev_deployment: DevDeployment) -> None:
    assert get_attestation(w3, dev_deployment.eas_contract_address, "0x" + "12" * 32) is None

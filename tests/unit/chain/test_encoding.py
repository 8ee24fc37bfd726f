"""Encoding of schema data, calldata and logs, checked against web3's ABI encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from eth_abi.abi import encode
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from certflow.errors import ChainError, ChainUnavailable, ConfigError
from chain import contracts
from chain.abi import MAX_UINT256, ZERO_BYTES32, address_topic, event_topic, selector
from chain.attestation import (
    SCHEMA,
    SCHEMA_TYPES,
    CompletionAttestation,
    attest_calldata,
    multi_attest_calldata,
    parse_attested,
    schema_uid,
)
from chain.deploy import DevDeployment
from chain.lock import TRANSFER, grant_keys_calldata, parse_key_transfers
from chain.rpc import chain_errors
from chain.transactions import Signer

LEARNER = Web3.to_checksum_address("0x" + "a1" * 20)
MANAGER = Web3.to_checksum_address("0x" + "b2" * 20)
EAS = Web3.to_checksum_address("0x" + "c3" * 20)
SCHEMA_UID = "0x" + "5e" * 32
OFFLINE = Web3()

ITEM = CompletionAttestation(
    cohort_id="cohort-1",
    cohort_name="Cohort One",
    bootcamp_id="bc-1",
    bootcamp_title="Bootcamp",
    user_address=LEARNER,
    completion_date=1_735_689_600,
    total_xp_earned=4200,
    certificate_tx_hash="0x" + "ee" * 32,
)


def offline(artifact: contracts.Artifact) -> type[Contract]:
    return OFFLINE.eth.contract(abi=artifact.abi)


def test_schema_is_the_source_documents_v2_schema_exactly() -> None:
    assert SCHEMA == (
        "string cohortId,string cohortName,string bootcampId,string bootcampTitle,"
        "address userAddress,uint256 completionDate,uint256 totalXpEarned,string certificateTxHash"
    )
    assert SCHEMA_TYPES == ("string",) * 4 + ("address", "uint256", "uint256", "string")


def test_schema_uid_is_keccak_of_packed_schema_resolver_revocable() -> None:
    packed = SCHEMA.encode() + b"\x00" * 20 + b"\x00"
    assert schema_uid() == "0x" + Web3.keccak(packed).hex().removeprefix("0x")
    assert schema_uid(revocable=True) != schema_uid()


def test_completion_data_round_trips_and_matches_plain_abi_encoding() -> None:
    expected = encode(list(SCHEMA_TYPES), list(vars(ITEM).values()))
    assert ITEM.encode() == expected
    assert CompletionAttestation.decode(expected) == ITEM


def test_lowercase_learner_address_decodes_checksummed() -> None:
    lower = CompletionAttestation(**{**vars(ITEM), "user_address": LEARNER.lower()})
    assert CompletionAttestation.decode(lower.encode()).user_address == LEARNER


def test_attest_calldata_matches_the_eas_abi() -> None:
    request = (SCHEMA_UID, (LEARNER, 0, False, ZERO_BYTES32, ITEM.encode(), 0))
    expected = offline(contracts.eas()).encode_abi("attest", args=[request])
    assert "0x" + attest_calldata(SCHEMA_UID, ITEM).hex() == expected


def test_multi_attest_calldata_is_one_schema_group_matching_the_eas_abi() -> None:
    items = [ITEM, CompletionAttestation(**{**vars(ITEM), "cohort_id": "cohort-2"})]
    requests_ = [(LEARNER, 0, False, ZERO_BYTES32, item.encode(), 0) for item in items]
    expected = offline(contracts.eas()).encode_abi("multiAttest", args=[[(SCHEMA_UID, requests_)]])
    assert "0x" + multi_attest_calldata(SCHEMA_UID, items).hex() == expected


def test_grant_keys_calldata_gives_every_key_the_manager_and_no_expiry() -> None:
    expected = offline(contracts.public_lock()).encode_abi(
        "grantKeys", args=[[LEARNER, MANAGER], [MAX_UINT256] * 2, [MANAGER] * 2]
    )
    assert "0x" + grant_keys_calldata([LEARNER, MANAGER], MANAGER).hex() == expected


@pytest.mark.parametrize("bad", ["", "0x1234", "not an address", "0x" + "zz" * 20])
def test_bad_wallet_address_is_a_permanent_chain_error(bad: str) -> None:
    with pytest.raises(ChainError, match="invalid wallet address") as caught:
        grant_keys_calldata([bad], MANAGER)
    assert caught.value.transient is False


def test_bad_schema_uid_is_a_chain_error() -> None:
    with pytest.raises(ChainError, match="schema uid"):
        attest_calldata("0x1234", ITEM)


def log(address: str, topics: list[bytes], data: bytes = b"") -> dict[str, object]:
    return {
        "address": address,
        "topics": topics,
        "data": data,
        "transactionHash": b"\x07" * 32,
        "blockNumber": 9,
    }


def test_parse_key_transfers_reads_mints_of_this_lock_only() -> None:
    lock, other = MANAGER, EAS
    zero = b"\x00" * 32
    receipt = {
        "logs": [
            log(lock, [TRANSFER, zero, address_topic(LEARNER), (5).to_bytes(32)]),
            log(other, [TRANSFER, zero, address_topic(MANAGER), (6).to_bytes(32)]),
            log(lock, [TRANSFER, address_topic(LEARNER), address_topic(EAS), (5).to_bytes(32)]),
        ]
    }
    assert parse_key_transfers(receipt, lock) == {LEARNER: 5}


def test_parse_attested_reads_uid_recipient_attester_and_schema() -> None:
    topic0 = event_topic("Attested(address,address,bytes32,bytes32)")
    uid = b"\x42" * 32
    schema = bytes.fromhex(SCHEMA_UID[2:])
    receipt = {
        "logs": [log(EAS, [topic0, address_topic(LEARNER), address_topic(MANAGER), schema], uid)]
    }
    [event] = parse_attested(receipt, EAS)
    assert (event.uid, event.recipient, event.attester, event.schema_uid) == (
        "0x" + uid.hex(),
        LEARNER,
        MANAGER,
        SCHEMA_UID,
    )
    assert event.tx_hash == "0x" + "07" * 32


def test_newest_public_lock_is_v15_or_newer() -> None:
    path = contracts.newest_public_lock_path(contracts.node_modules_dir())
    assert int(path.stem.removeprefix("PublicLockV")) >= 15
    assert contracts.public_lock().bytecode


def test_public_lock_older_than_v15_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "@unlock-protocol/contracts/dist/abis/PublicLock"
    folder.mkdir(parents=True)
    (folder / "PublicLockV14.json").write_text("{}")
    with pytest.raises(ConfigError, match="V15"):
        contracts.newest_public_lock_path(tmp_path)


def test_node_modules_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(contracts.NODE_MODULES_ENV, str(tmp_path))
    assert contracts.node_modules_dir() == tmp_path


def test_custom_errors_are_named_from_the_abis() -> None:
    assert contracts.custom_error_name("0x" + selector("LOCK_SOLD_OUT()").hex()) == "LOCK_SOLD_OUT"
    assert contracts.custom_error_name("0xdeadbeef") is None


def test_driver_errors_become_certflow_errors() -> None:
    with pytest.raises(ChainUnavailable), chain_errors("checking key"):
        raise requests.exceptions.ConnectionError("refused")
    data = "0x" + selector("ONLY_LOCK_MANAGER_OR_KEY_GRANTER()").hex()
    with pytest.raises(ChainError, match="not a lock manager") as caught, chain_errors("granting"):
        raise ContractCustomError(data, data=data)
    assert caught.value.transient is False


def test_signer_never_shows_its_key() -> None:
    key = "0x" + "11" * 32
    signer = Signer.from_key(key)
    assert key[2:] not in repr(signer)
    assert key[2:] not in str(signer)


def test_invalid_key_error_does_not_quote_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        Signer.from_key("0xnot-a-secret-but-still-private")
    assert "not-a-secret" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_deployment_prints_env_lines() -> None:
    deployment = DevDeployment("0xE", "0xR", "0xL", "0xM", "0xU")
    assert deployment.env_lines() == (
        "EAS_CONTRACT_ADDRESS=0xE\nSCHEMA_REGISTRY_ADDRESS=0xR\nLOCK_ADDRESS=0xL\n"
        "LOCK_MANAGER_ADDRESS=0xM\nBOOTCAMP_COMPLETION_SCHEMA_UID=0xU\n"
    )

"""EAS attestations of the Bootcamp Completion V2 schema.

Encoding follows the schema string exactly (field order and types), so an
attestation made here decodes in any EAS explorer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3

from chain import contracts
from chain.abi import (
    ZERO_ADDRESS,
    ZERO_BYTES32,
    address_topic,
    calldata,
    checksum,
    decode_values,
    event_topic,
    hex32,
    to_bytes32,
    topic_address,
)
from chain.logs import LogScan, get_logs
from chain.rpc import chain_errors

#: The source document's V2 schema, unchanged.
SCHEMA = (
    "string cohortId,string cohortName,string bootcampId,string bootcampTitle,"
    "address userAddress,uint256 completionDate,uint256 totalXpEarned,string certificateTxHash"
)
SCHEMA_TYPES = tuple(field.split(" ")[0] for field in SCHEMA.split(","))

_REQUEST = "(address,uint64,bool,bytes32,bytes,uint256)"
ATTEST = f"attest((bytes32,{_REQUEST}))"
MULTI_ATTEST = f"multiAttest((bytes32,{_REQUEST}[])[])"
ATTESTED = event_topic("Attested(address,address,bytes32,bytes32)")


def schema_uid(schema: str = SCHEMA, resolver: str = ZERO_ADDRESS, revocable: bool = False) -> str:
    """keccak256(abi.encodePacked(schema, resolver, revocable)), as the registry computes it."""
    packed = schema.encode() + bytes.fromhex(checksum(resolver)[2:]) + bytes([revocable])
    return hex32(keccak(packed))


@dataclass(frozen=True)
class CompletionAttestation:
    """One learner's bootcamp completion, as attested on chain."""

    cohort_id: str
    cohort_name: str
    bootcamp_id: str
    bootcamp_title: str
    user_address: str
    completion_date: int  # unix seconds
    total_xp_earned: int
    certificate_tx_hash: str

    def encode(self) -> bytes:
        """The attestation's ``data`` blob."""
        values = list(astuple(self))
        values[4] = checksum(self.user_address, "user address")
        return calldata(f"x({','.join(SCHEMA_TYPES)})", values)[4:]

    @classmethod
    def decode(cls, data: bytes) -> CompletionAttestation:
        values = list(decode_values(SCHEMA_TYPES, data))
        values[4] = checksum(values[4])
        return cls(*values)


def _request(attestation: CompletionAttestation) -> tuple[Any, ...]:
    # recipient = learner, never expires, not revocable, no referenced attestation, no value.
    recipient = checksum(attestation.user_address, "user address")
    return (recipient, 0, False, ZERO_BYTES32, attestation.encode(), 0)


def attest_calldata(schema: str, attestation: CompletionAttestation) -> bytes:
    """Calldata of ``EAS.attest`` for one completion."""
    return calldata(ATTEST, [(to_bytes32(schema, "schema uid"), _request(attestation))])


def multi_attest_calldata(schema: str, attestations: Sequence[CompletionAttestation]) -> bytes:
    """Calldata of ``EAS.multiAttest``: one schema group holding every completion."""
    requests = [_request(item) for item in attestations]
    return calldata(MULTI_ATTEST, [[(to_bytes32(schema, "schema uid"), requests)]])


@dataclass(frozen=True)
class AttestedEvent:
    """An ``Attested`` log: which uid was created for whom."""

    uid: str
    recipient: str
    attester: str
    schema_uid: str
    tx_hash: str
    block_number: int


def _attested(log: Mapping[str, Any]) -> AttestedEvent:
    topics = [bytes(topic) for topic in log["topics"]]
    return AttestedEvent(
        uid=hex32(bytes(log["data"])[:32]),
        recipient=topic_address(topics[1]),
        attester=topic_address(topics[2]),
        schema_uid=hex32(topics[3]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
        block_number=int(log["blockNumber"]),
    )


def parse_attested(receipt: Mapping[str, Any], eas_address: str) -> list[AttestedEvent]:
    """The ``Attested`` events an EAS contract emitted in a receipt, in log order."""
    eas_address = checksum(eas_address, "EAS address")
    return [
        _attested(log)
        for log in receipt["logs"]
        if checksum(log["address"]) == eas_address
        and log["topics"]
        and bytes(log["topics"][0]) == ATTESTED
    ]


@dataclass(frozen=True)
class OnchainAttestation:
    """What ``EAS.getAttestation`` returns, with the completion decoded."""

    uid: str
    schema_uid: str
    time: int
    expiration_time: int
    revocation_time: int
    recipient: str
    attester: str
    revocable: bool
    data: bytes = field(repr=False)

    def completion(self) -> CompletionAttestation:
        return CompletionAttestation.decode(self.data)


def eas_contract(w3: Web3, eas_address: str) -> Any:
    return w3.eth.contract(address=checksum(eas_address, "EAS address"), abi=contracts.eas().abi)


def get_attestation(w3: Web3, eas_address: str, uid: str) -> OnchainAttestation | None:
    """The attestation with ``uid``, or None when EAS has none."""
    contract = eas_contract(w3, eas_address)
    with chain_errors("reading attestation"):
        raw = contract.functions.getAttestation(to_bytes32(uid, "attestation uid")).call()
    uid_b, schema_b, time_, expiration, revocation, _ref, recipient, attester, revocable, data = raw
    if bytes(uid_b) == ZERO_BYTES32:
        return None
    return OnchainAttestation(
        uid=hex32(bytes(uid_b)),
        schema_uid=hex32(bytes(schema_b)),
        time=int(time_),
        expiration_time=int(expiration),
        revocation_time=int(revocation),
        recipient=checksum(recipient),
        attester=checksum(attester),
        revocable=bool(revocable),
        data=bytes(data),
    )


def attested_events(
    w3: Web3,
    eas_address: str,
    *,
    schema: str,
    attester: str,
    recipient: str,
    scan: LogScan | None = None,
) -> list[AttestedEvent]:
    """Every ``Attested`` log for this schema, attester and recipient (oldest first)."""
    topics: list[Any] = [
        ATTESTED,
        address_topic(recipient),
        address_topic(attester),
        to_bytes32(schema, "schema uid"),
    ]
    logs = get_logs(w3, eas_address, topics, scan or LogScan())
    return [_attested(log) for log in logs]


def find_attestation(
    w3: Web3,
    eas_address: str,
    *,
    schema: str,
    attester: str,
    recipient: str,
    cohort_id: str,
    scan: LogScan | None = None,
) -> OnchainAttestation | None:
    """The existing attestation for an enrollment (learner + cohort), if any.

    Lets a retried or reconciled attest find what a crashed run already made.
    """
    events = attested_events(
        w3,
        eas_address,
        schema=schema,
        attester=attester,
        recipient=recipient,
        scan=scan,
    )
    return _first_for_cohort(
        (get_attestation(w3, eas_address, event.uid) for event in events), recipient, cohort_id
    )


def _first_for_cohort(
    candidates: Iterable[OnchainAttestation | None], recipient: str, cohort_id: str
) -> OnchainAttestation | None:
    for found in candidates:
        if found is None or found.revocation_time:
            continue
        completion = found.completion()
        if completion.cohort_id == cohort_id and completion.user_address == checksum(recipient):
            return found
    return None


def find_attestations(
    w3: Web3,
    eas_address: str,
    *,
    schema: str,
    attester: str,
    wanted: Sequence[tuple[str, str]],
    scan: LogScan | None = None,
) -> dict[tuple[str, str], OnchainAttestation]:
    """``find_attestation`` for a whole batch: (recipient, cohort id) to its attestation.

    One log query for every recipient (topics OR-match a list), so checking a
    batch of 45 before attesting costs one round trip, not 45.
    """
    if not wanted:
        return {}
    recipients = sorted({checksum(recipient, "recipient") for recipient, _ in wanted})
    topics: list[Any] = [
        ATTESTED,
        [address_topic(recipient) for recipient in recipients],
        address_topic(attester),
        to_bytes32(schema, "schema uid"),
    ]
    logs = get_logs(w3, eas_address, topics, scan or LogScan())
    cohorts = {(checksum(recipient), cohort) for recipient, cohort in wanted}
    found: dict[tuple[str, str], OnchainAttestation] = {}
    for event in (_attested(log) for log in logs):
        attestation = get_attestation(w3, eas_address, event.uid)
        if attestation is None or attestation.revocation_time:
            continue
        completion = attestation.completion()
        key = (completion.user_address, completion.cohort_id)
        if key in cohorts and key not in found:
            found[key] = attestation
    return found

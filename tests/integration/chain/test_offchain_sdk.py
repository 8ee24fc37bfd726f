"""Off-chain attestations cross-checked with the EAS SDK's own code, anchored on anvil.

``eas_sdk_verify.mjs`` runs ``@ethereum-attestation-service/eas-sdk`` under
node: its ``verifyOffchainAttestationSignature`` judges certflow's JSON and
its ``getOffchainUID`` recomputes the UID; it also signs with the SDK for the
reverse check. The domain (EAS address, chain id, ``version()``) comes from
the EAS contract deployed on anvil.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from certflow.errors import ChainRejected
from chain.anchoring import (
    eas_version,
    find_timestamps,
    get_revoke_offchain,
    get_timestamp,
    multi_revoke_offchain_calldata,
    multi_timestamp_calldata,
    parse_revoked_offchain,
    parse_timestamped,
    revoke_offchain_calldata,
    timestamp_calldata,
    unanchored,
)
from chain.attestation import CompletionAttestation
from chain.deploy import DevDeployment
from chain.offchain import OffchainAttestation, sign_offchain, verify_offchain
from chain.offchain_json import encode_package, from_sdk_json, offchain_url, to_package
from chain.transactions import Signer, send_direct
from tests.fixtures.anvil import DEV_KEY

SCRIPT = Path(__file__).with_name("eas_sdk_verify.mjs")
#: DESIGN.md's figure for multiTimestamp, per UID, in batches of 100.
DESIGN_GAS_PER_UID = 24_779


def run_sdk(request: dict[str, Any]) -> Any:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/bootstrap installs it")
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=SCRIPT.parent,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Domain:
    """The EAS deployment on anvil, as an off-chain attestation names it."""

    def __init__(self, w3: Web3, dev: DevDeployment) -> None:
        self.eas = Web3.to_checksum_address(dev.eas_contract_address)
        self.chain_id = int(w3.eth.chain_id)
        self.version = eas_version(w3, self.eas)
        self.schema = dev.bootcamp_completion_schema_uid

    def sign(self, signer: Signer, learner: str, salt: str | None = None) -> OffchainAttestation:
        data = completion(learner).encode()
        return sign_offchain(
            signer, self.eas, self.chain_id, self.version, self.schema, learner, data,
            1_735_689_600, salt=salt,
        )  # fmt: skip

    def request(self, attester: str, **rest: Any) -> dict[str, Any]:
        chain = {"eas": self.eas, "chainId": str(self.chain_id), "version": self.version}
        return {**chain, "attester": attester, **rest}

    def verify(self, att: OffchainAttestation, attester: str) -> bool:
        return verify_offchain(att, attester, self.eas, self.chain_id, self.version)


def completion(learner: str) -> CompletionAttestation:
    return CompletionAttestation(
        cohort_id="cohort-1",
        cohort_name="Web3 Bootcamp — Cohort 1",
        bootcamp_id="bootcamp-web3",
        bootcamp_title="Web3 Foundations",
        user_address=learner,
        completion_date=1_735_689_600,
        total_xp_earned=1250,
        certificate_tx_hash="0x" + "ab" * 32,
    )


@pytest.fixture
def domain(w3: Web3, dev_deployment: DevDeployment) -> Domain:
    return Domain(w3, dev_deployment)


def test_the_domain_version_is_read_from_the_eas_contract(domain: Domain) -> None:
    # eas-contracts 1.9 deploys EAS 1.4.0; the SDK signs with whatever version() says.
    assert domain.version == "1.4.0"


def _tamper(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(package: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        target = package["sig"]
        for key in parents:
            target = target[key]
        target[leaf] = value

    return change


TAMPERS = {
    "time": _tamper("message.time", "1735689601"),
    "recipient": _tamper("message.recipient", "0x" + "a1" * 20),
    "data": _tamper("message.data", "0x00"),
    "salt": _tamper("message.salt", "0x" + "77" * 32),
    "schema": _tamper("message.schema", "0x" + "5e" * 32),
    "revocable": _tamper("message.revocable", True),
    "expirationTime": _tamper("message.expirationTime", "1"),
    "refUID": _tamper("message.refUID", "0x" + "01" * 32),
    "uid": _tamper("uid", "0x" + "02" * 32),
    "signature": _tamper("signature.s", "0x" + "03" * 32),
    "chainId": _tamper("domain.chainId", "1"),
    "verifyingContract": _tamper("domain.verifyingContract", "0x" + "C3" * 20),
}


def test_the_sdk_verifies_certflow_attestations_and_rejects_tampered_copies(
    domain: Domain, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    att = domain.sign(lock_manager, new_learner())
    tampered = {name: copy.deepcopy(to_package(att)) for name in TAMPERS}
    for name, change in TAMPERS.items():
        change(tampered[name])
    entries = [{"package": to_package(att), "encoded": encode_package(att)}]
    entries += [{"package": package} for package in tampered.values()]

    [good, *bad] = run_sdk(domain.request(lock_manager.address, command="verify", packages=entries))

    assert good["valid"] is True, good
    assert good["uid"] == att.uid
    assert good["encoded"] == encode_package(att)  # the share link, byte for byte
    assert good["url"] == offchain_url(att)
    assert good["fromEncoded"] is True  # the SDK decodes certflow's link and verifies it
    verdicts = {name: answer["valid"] for name, answer in zip(TAMPERS, bad, strict=True)}
    assert verdicts == dict.fromkeys(TAMPERS, False)
    assert [_certflow_verdict(domain, p, lock_manager) for p in tampered.values()] == [False] * 12


def _certflow_verdict(domain: Domain, package: dict[str, Any], attester: Signer) -> bool:
    try:
        return domain.verify(from_sdk_json(package), attester.address)
    except ChainRejected:
        return False


def test_the_sdk_rejects_another_attester(domain: Domain, lock_manager: Signer) -> None:
    att = domain.sign(lock_manager, "0x" + "a1" * 20)
    request = domain.request(
        "0x" + "b2" * 20, command="verify", packages=[{"package": to_package(att)}]
    )

    [answer] = run_sdk(request)

    assert answer["valid"] is False


def test_an_sdk_signed_attestation_verifies_with_certflow(
    domain: Domain, lock_manager: Signer, new_learner: Callable[[], str]
) -> None:
    learner = new_learner()
    params = {
        "schema": domain.schema,
        "recipient": learner,
        "time": "1735689600",
        "expirationTime": "0",
        "revocable": False,
        "refUID": "0x" + "00" * 32,
        "data": "0x" + completion(learner).encode().hex(),
    }
    signed = run_sdk(domain.request("", command="sign", key=DEV_KEY, params=params))
    att = from_sdk_json(signed["package"])

    assert domain.verify(att, lock_manager.address)
    assert att.signer == lock_manager.address
    assert att.recipient == learner
    assert completion(learner) == CompletionAttestation.decode(att.data)
    # Same key, message and salt: certflow signs the very same bytes (RFC 6979 nonces).
    ours = domain.sign(lock_manager, learner, salt=att.salt)
    assert ours == att
    assert json.dumps(to_package(ours)) == json.dumps(signed["package"])
    assert encode_package(ours) == signed["encoded"]


def test_multi_timestamp_anchors_each_uid_at_the_block_time(
    w3: Web3,
    domain: Domain,
    lock_manager: Signer,
    funded_signer: Signer,
    new_learner: Callable[[], str],
) -> None:
    uids = [domain.sign(lock_manager, new_learner()).uid for _ in range(5)]
    assert unanchored(w3, domain.eas, uids) == uids

    sent = send_direct(w3, funded_signer, domain.eas, multi_timestamp_calldata(uids))

    block_time = int(w3.eth.get_block(sent.block_number)["timestamp"])
    events = parse_timestamped(sent.receipt, domain.eas)
    assert [(e.uid, e.timestamp) for e in events] == [(uid, block_time) for uid in uids]
    assert [get_timestamp(w3, domain.eas, uid) for uid in uids] == [block_time] * 5
    assert unanchored(w3, domain.eas, uids) == []
    found = find_timestamps(w3, domain.eas, uids[1:3], from_block=sent.block_number)
    assert [(e.uid, e.tx_hash) for e in found] == [(uid, sent.tx_hash) for uid in uids[1:3]]


def test_a_uid_cannot_be_anchored_twice(
    w3: Web3, domain: Domain, lock_manager: Signer, funded_signer: Signer
) -> None:
    uid = domain.sign(lock_manager, "0x" + "a1" * 20).uid
    sent = send_direct(w3, funded_signer, domain.eas, timestamp_calldata(uid))
    assert [e.uid for e in parse_timestamped(sent.receipt, domain.eas)] == [uid]

    with pytest.raises(ChainRejected, match="AlreadyTimestamped"):
        send_direct(w3, funded_signer, domain.eas, multi_timestamp_calldata([uid]))


def test_revoke_offchain_is_recorded_per_revoker(
    w3: Web3,
    domain: Domain,
    lock_manager: Signer,
    funded_signer: Signer,
    new_learner: Callable[[], str],
) -> None:
    one, two, three = (domain.sign(lock_manager, new_learner()).uid for _ in range(3))

    sent = send_direct(w3, funded_signer, domain.eas, revoke_offchain_calldata(one))
    many = send_direct(w3, funded_signer, domain.eas, multi_revoke_offchain_calldata([two, three]))

    assert [e.uid for e in parse_revoked_offchain(many.receipt, domain.eas)] == [two, three]
    [event] = parse_revoked_offchain(sent.receipt, domain.eas)
    block_time = int(w3.eth.get_block(sent.block_number)["timestamp"])
    assert (event.revoker, event.timestamp) == (funded_signer.address, block_time)
    assert get_revoke_offchain(w3, domain.eas, funded_signer.address, one) == block_time
    assert get_revoke_offchain(w3, domain.eas, funded_signer.address, three) > 0
    assert get_revoke_offchain(w3, domain.eas, lock_manager.address, one) == 0


def test_multi_timestamp_of_100_uids_gas_per_uid(
    w3: Web3, domain: Domain, lock_manager: Signer, funded_signer: Signer
) -> None:
    learner = "0x" + "a1" * 20
    uids = [domain.sign(lock_manager, learner).uid for _ in range(100)]  # random salts: 100 UIDs

    sent = send_direct(w3, funded_signer, domain.eas, multi_timestamp_calldata(uids))

    per_uid = sent.gas_used // 100
    print(f"multiTimestamp of 100 UIDs: {sent.gas_used:,} gas, {per_uid:,} per UID")
    assert abs(per_uid - DESIGN_GAS_PER_UID) < 1_000, per_uid

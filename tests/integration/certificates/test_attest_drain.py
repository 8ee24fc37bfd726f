"""A thread that attested a batch goes on with the keys still waiting: one attestation each."""

from __future__ import annotations

import sqlalchemy as sa
from web3 import Web3

from certflow.settings import Settings
from chain.attestation import attested_events
from chain.deploy import DevDeployment
from chain.transactions import Signer
from issuance.certificates.attest_drain import attest_waiting
from issuance.certificates.attestations import attest_for
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import rows


def _small_batches(settings: Settings, engine: sa.Engine) -> Issuer:
    return Issuer.build(settings.model_copy(update={"attest_batch_max": 2}), engine)


def test_waiting_keys_are_attested_in_batches_once_each(
    engine: sa.Engine,
    w3: Web3,
    settings: Settings,
    signer: Signer,
    dev_deployment: DevDeployment,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    issuer = _small_batches(settings, engine)
    learners = completed_learners(5)
    for enrollment_id in learners:
        claim(engine, enrollment_id)
    grant_for(issuer, learners[0])  # one grantKeys for all five

    assert attest_for(issuer, learners[0]).recorded == 2
    assert attest_waiting(issuer) == 3
    assert attest_waiting(issuer) == 0  # nothing waits any more

    txs = rows(engine, "SELECT intent, status FROM chain_transactions ORDER BY nonce")
    assert [t.intent for t in txs] == ["grant_keys"] + ["multi_attest"] * 3
    assert {t.status for t in txs} == {"mined"}
    for enrollment_id in learners:
        row = enrollment(engine, enrollment_id)
        assert row.certificate_attestation_uid is not None
        events = attested_events(
            w3,
            dev_deployment.eas_contract_address,
            schema=dev_deployment.bootcamp_completion_schema_uid,
            attester=signer.address,
            recipient=row.wallet_address,
        )
        assert [e.uid for e in events] == [row.certificate_attestation_uid]
    for enrollment_id in learners:  # the keys' own messages come later: nothing to do
        assert attest_for(issuer, enrollment_id).outcome == "already_attested"


def test_a_thread_attests_at_most_the_bound_of_further_batches(
    engine: sa.Engine,
    settings: Settings,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    issuer = _small_batches(settings, engine)
    learners = completed_learners(6)
    for enrollment_id in learners:
        claim(engine, enrollment_id)
    grant_for(issuer, learners[0])

    assert attest_waiting(issuer, batches=1) == 2
    attested = [enrollment(engine, e).certificate_attestation_uid for e in learners]
    assert sum(uid is not None for uid in attested) == 2

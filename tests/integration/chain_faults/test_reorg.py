"""7. A reorganisation three blocks deep (anvil_reorg) after attestations."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from web3 import Web3

from chain.attestation import get_attestation
from chain.deploy import DevDeployment
from issuance.certificates.issuer import Issuer
from issuance.operations.reconcile import reconcile_chain
from tests.integration.chain_faults.harness import new_wallets, rpc, seed_claims, settle, states
from tests.integration.helpers import scalar


def test_reorg_removes_recorded_attestations_and_reconcile_issues_them_again(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    make_issuer: Callable[..., Issuer],
    deployment: DevDeployment,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    # Final after one block on top: the reorg below goes deeper than that, which a
    # chain can always do; what was recorded must then be healed, not trusted.
    issuer = make_issuer(chain_confirmations=1)
    eas = deployment.eas_contract_address
    ids = seed_claims(engine, lock, list(new_wallets(6)))
    settle(issuer, ids)
    before = {s.id: s.uid for s in states(engine, ids)}
    attest_block = int(
        scalar(engine, "SELECT receipt_block FROM chain_transactions WHERE intent = 'multi_attest'")
    )
    assert int(fw3.eth.block_number) - attest_block >= 1  # recorded only once final
    assert int(fw3.eth.block_number) - attest_block < 3  # so the reorg removes it
    rpc(fw3, "anvil_reorg", 3, [])
    gone = [uid for uid in before.values() if get_attestation(fw3, eas, uid or "") is None]
    assert gone  # recorded uids that no longer exist
    # A uid depends on its block's time: the one re-mined later gets another uid.
    rpc(fw3, "evm_increaseTime", 60)

    counts = reconcile_chain(issuer)

    assert counts["reorged"] >= 1
    assert counts["reorg_healed"] == counts["reorged"]
    assert counts["uids_moved"] == len(gone)
    after = {s.id: s.uid for s in states(engine, ids)}
    assert all(after[e] not in (None, before[e]) for e in ids if before[e] in gone)
    assert invariants_for(ids) == {"keys": 6, "attestations": 6}  # every uid resolves
    # A moved uid is a new certificate.attested event: the PDF is rendered again.
    assert scalar(
        engine, "SELECT count(*) FROM event_outbox WHERE kind = 'certificate.attested'"
    ) == len(ids) + len(gone)

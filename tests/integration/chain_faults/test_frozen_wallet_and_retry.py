"""The wallet that got the key is the one attested; a manual retry never races a batch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from certflow.errors import AttestationBusy
from db import attestations
from issuance.certificates.attestations import attest_for, finish_attest_batch
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.operations.attest_retry import retry_attestation
from tests.integration.chain_faults.harness import new_wallets, seed_claims, states


def test_a_wallet_changed_or_cleared_after_the_grant_does_not_change_the_attestation(
    engine: sa.Engine,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    cleared, changed, kept = ids = seed_claims(engine, lock, list(new_wallets(3)))
    grant_for(issuer, cleared)
    granted = {s.id: s.wallet for s in states(engine, ids)}
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE user_profiles u SET wallet_address = CASE e.id WHEN :cleared THEN NULL"
                " ELSE :other END FROM bootcamp_enrollments e"
                " WHERE e.user_profile_id = u.id AND e.id IN (:cleared, :changed)"
            ),
            {"cleared": cleared, "changed": changed, "other": new_wallets(1)[0]},
        )

    attest_for(issuer, kept)

    assert {s.id: s.wallet for s in states(engine, ids)} == granted
    assert all(s.uid for s in states(engine, ids))
    assert invariants_for(ids) == {"keys": 3, "attestations": 3}


def test_a_manual_retry_is_refused_while_a_batch_holds_the_enrollment(
    engine: sa.Engine,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    [enrollment_id] = ids = seed_claims(engine, lock, list(new_wallets(1)))
    grant_for(issuer, enrollment_id)
    with engine.begin() as conn:  # a live multiAttest batch has it (and has not sent yet)
        attestations.assign_attest_batch(conn, enrollment_id, "multi_attest:live", 45)

    with pytest.raises(AttestationBusy):
        retry_attestation(issuer, enrollment_id)
    finish_attest_batch(issuer, "multi_attest:live")
    again = retry_attestation(issuer, enrollment_id)

    assert again["found"] is True
    assert invariants_for(ids) == {"keys": 1, "attestations": 1}

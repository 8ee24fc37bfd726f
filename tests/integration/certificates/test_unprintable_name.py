"""Issue 19, item 3: a name no certificate font can print (the cuneiform sign 𒐫) is
refused before any chain work, with an error the learner can act on; it used to be
found only at render, after the key and the attestation were on chain."""

from __future__ import annotations

import sqlalchemy as sa
from web3 import Web3

from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from tests.integration.certificates.conftest import Learners, claim, enrollment
from tests.integration.helpers import scalar


def test_an_unprintable_name_is_refused_before_the_grant(
    engine: sa.Engine,
    w3: Web3,
    issuer: Issuer,
    flags_on: None,
    completed_learners: Learners,
) -> None:
    [learner, printable] = completed_learners(2)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE user_profiles SET display_name = 'Ninsun 𒐫' WHERE id ="
                " (SELECT user_profile_id FROM bootcamp_enrollments WHERE id = :id)"
            ),
            {"id": learner},
        )
    block_before = w3.eth.block_number
    assert claim(engine, learner)["success"] is True
    assert claim(engine, printable)["success"] is True

    grant_for(issuer, learner)

    row = enrollment(engine, learner)
    assert row.certificate_last_error.startswith(
        "Your name cannot be printed on a certificate (has characters no certificate font"
        " can print: '𒐫' (U+1242B"
    )
    assert row.certificate_last_error.endswith("- change your display name, then claim again.")
    assert row.certificate_tx_hash is None
    assert row.certificate_claim_in_progress is False
    # The other member of the batch got its key, in one transaction without the refused one.
    assert enrollment(engine, printable).certificate_tx_hash is not None
    assert scalar(engine, "SELECT count(*) FROM chain_transactions") == 1
    assert w3.eth.block_number == block_before + 1

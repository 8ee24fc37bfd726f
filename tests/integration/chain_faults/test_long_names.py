"""9. The longest cohort and bootcamp names the schema accepts: every multiAttest fits a block."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from web3 import Web3

from chain.transactions import block_gas_limit
from issuance.certificates.issuer import Issuer
from tests.integration.chain_faults.harness import new_wallets, seed_claims, settle
from tests.integration.helpers import rows

#: The schema's limit (sql/0013.chain_faults.sql), in 4-byte UTF-8 characters: the most bytes.
LONGEST = 200
WIDE = "\U0001d518"  # MATHEMATICAL FRAKTUR CAPITAL U, 4 bytes in UTF-8


def test_names_longer_than_the_limit_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO bootcamp_programs (id, name) VALUES ('too-long', :name)"),
            {"name": WIDE * (LONGEST + 1)},
        )


@pytest.mark.slow
def test_names_at_the_limit_are_attested_in_batches_that_fit_the_block(
    engine: sa.Engine,
    fw3: Web3,
    lock: str,
    issuer: Issuer,
    flags_on: None,
    invariants_for: Callable[..., dict[str, int]],
) -> None:
    ids = seed_claims(
        engine,
        lock,
        list(new_wallets(40)),
        cohort_name=WIDE * LONGEST,
        bootcamp_title=WIDE * LONGEST,
    )

    settle(issuer, ids, timeout=240)

    assert invariants_for(ids) == {"keys": 40, "attestations": 40}
    sent = rows(engine, "SELECT gas_used FROM chain_transactions WHERE intent = 'multi_attest'")
    limit = block_gas_limit(fw3)
    assert len(sent) > 1  # 40 of these do not fit one block: the batch was split by gas
    assert all(row.gas_used <= limit for row in sent)

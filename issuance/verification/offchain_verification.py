"""The off-chain half of ``certflow verify``: the chain reads, then ``offchain_checks``."""

from __future__ import annotations

import sqlalchemy as sa
from web3 import Web3

from certflow.errors import CertflowError
from certflow.settings import Settings
from chain.anchoring import eas_version, get_revoke_offchain, get_timestamp
from db import offchain
from db.engine import transaction
from db.records import CertificateRecord
from issuance.verification.offchain_checks import (
    ANCHORED,
    Deployment,
    Finding,
    anchored_value,
    findings,
)


def deployment(settings: Settings, w3: Web3, attester: str) -> Deployment:
    eas = str(settings.eas_contract_address)
    return Deployment(
        eas=eas,
        chain_id=settings.chain_id,
        eas_version=eas_version(w3, eas),
        schema=str(settings.bootcamp_completion_schema_uid),
        attester=attester,
    )


def offchain_findings(
    settings: Settings,
    engine: sa.Engine,
    w3: Web3,
    attester: str,
    record: CertificateRecord,
    uid: str,
) -> list[Finding] | None:
    """The checks of the off-chain attestation ``uid``; None when ``uid`` is not one of ours.

    A node that does not answer fails the check that needed it, as the
    on-chain checks do.
    """
    with transaction(engine) as conn:
        stored = offchain.by_uid(conn, uid.lower()) or offchain.by_uid(conn, uid)
    if stored is None:
        return None
    try:
        dep = deployment(settings, w3, attester)
        timestamp = get_timestamp(w3, dep.eas, anchored_value(stored))
        revoked = get_revoke_offchain(w3, dep.eas, attester, stored.uid)
    except CertflowError as exc:
        return [Finding(ANCHORED, False, f"cannot check: {exc}")]
    return findings(stored, dep, record, uid, timestamp, revoked)

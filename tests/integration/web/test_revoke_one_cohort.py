"""Issue 19, item 4: revoking one cohort's certificate leaves the learner's others.

Cohorts of one bootcamp share its lock, and the learner holds one key on it.
``certflow revoke`` expired that key, so the learner's certificate of the other
cohort failed its key check and a later claim on the lock was refused ("already
holds an expired key"). Now a revocation is per certificate, and the key is
expired only when no other unrevoked certificate of the learner rests on it.
"""

from __future__ import annotations

import threading
from uuid import UUID

import requests
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from certflow.settings import Settings
from chain.deploy import DevDeployment
from chain.lock import grant_keys_calldata, has_valid_key
from chain.transactions import Signer, send_direct
from db import claims, seed
from db.revocations import Revocation
from issuance.certificates.grants import grant_for
from issuance.certificates.issuer import Issuer
from issuance.certificates.revocation import revoke
from issuance.verification.verification import NOT_REVOKED, Verifier
from render.storage import ObjectStore
from tests.integration.certificates_pdf.conftest import COMPLETED_AT, settled_learner
from tests.integration.web.conftest import Server, attest_on_chain, render


def _cohorts(engine: sa.Engine, lock: str, *cohort_ids: str) -> None:
    """More cohorts of bootcamp b1 (so of its lock), made before any certificate is issued
    (a bootcamp takes no new milestones after that)."""
    with engine.begin() as conn:
        for cohort_id in cohort_ids:
            seed.create_cohort(
                conn,
                bootcamp_id="b1",
                cohort_id=cohort_id,
                milestones=3,
                xp_per_milestone=150,
                bootcamp_title="Solidity Foundations Bootcamp",
                cohort_name="Cohort 7 — Lagos",  # as attest_on_chain attests
                lock_address=lock,
            )


def _enroll(engine: sa.Engine, user: UUID, cohort_id: str) -> UUID:
    """The same learner in another cohort of bootcamp b1, completed."""
    with engine.begin() as conn:
        enrollment: UUID = conn.execute(
            sa.text(
                "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id, enrollment_status,"
                " completion_date, milestones_completed_at)"
                " VALUES (:user, :cohort, 'completed', :at, :at) RETURNING id"
            ),
            {"user": user, "cohort": cohort_id, "at": COMPLETED_AT},
        ).scalar_one()
    return enrollment


def _settle(engine: sa.Engine, enrollment: UUID, key_tx: str, uid: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_issued = true,"
                " certificate_issued_at = now(), certificate_tx_hash = :tx,"
                " certificate_attestation_uid = :uid WHERE id = :id"
            ),
            {"tx": key_tx, "uid": uid, "id": enrollment},
        )


def test_revoking_cohort_1_leaves_cohort_2_verified_and_a_third_claim_granted(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
    site: Server,
) -> None:
    lock = dev_deployment.lock_address
    wallet = str(Account.create().address)
    grant = grant_keys_calldata([wallet], lock_manager.address)
    key_tx = send_direct(w3, lock_manager, lock, grant).tx_hash
    uid_1 = attest_on_chain(w3, lock_manager, dev_deployment, wallet, key_tx, "k1")
    _cohorts(engine, lock, "k2", "k3")
    first = settled_learner(
        engine, wallet=wallet, attestation_uid=uid_1, lock_address=lock, key_tx=key_tx,
        cohort_id="k1",
    )  # fmt: skip
    second = _enroll(engine, first.user_profile_id, "k2")
    _settle(engine, second, key_tx, attest_on_chain(w3, lock_manager, dev_deployment, wallet,
                                                    key_tx, "k2"))  # fmt: skip
    cert_1, _ = render(engine, settings, first.enrollment_id)
    cert_2, _ = render(engine, settings, second)
    issuer = Issuer.build(settings, engine)

    revoked = revoke(issuer, first.enrollment_id, "Plagiarised final project")

    assert revoked.tx_hash is None  # the key stays: cohort 2's certificate rests on it
    assert has_valid_key(w3, lock, wallet) is True
    page_1 = requests.get(f"{site.url}/api/certificates/{cert_1.id}", timeout=10).json()
    page_2 = requests.get(f"{site.url}/api/certificates/{cert_2.id}", timeout=10).json()
    assert page_1["verdict"] == "revoked"
    assert page_2["verdict"] == "verified", [(c["key"], c["summary"]) for c in page_2["checks"]]
    assert {c["key"]: c["status"] for c in page_2["checks"]}["key"] == "pass"
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    verifier = Verifier(settings, engine, lambda: store, w3)
    assert verifier.verify_id(str(cert_1.id)).failed == [NOT_REVOKED]
    assert verifier.verify_id(str(cert_2.id)).passed

    # A later claim in a third cohort of the bootcamp is granted (the key is reconciled).
    third = _enroll(engine, first.user_profile_id, "k3")
    with engine.begin() as conn:
        claims.set_flags(conn, enabled=True, auto_claim=False)
        claimed = conn.execute(
            sa.text("SELECT request_certificate_claim(:id)"), {"id": third}
        ).scalar_one()
    assert claimed["success"] is True, claimed
    grant_for(issuer, third)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT certificate_issued, certificate_tx_hash, certificate_last_error"
                " FROM bootcamp_enrollments WHERE id = :id"
            ),
            {"id": third},
        ).one()
    assert row.certificate_last_error is None
    assert row.certificate_issued is True
    assert row.certificate_tx_hash is not None


def test_revoking_the_last_certificate_on_the_lock_expires_the_key(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
    site: Server,
) -> None:
    lock = dev_deployment.lock_address
    wallet = str(Account.create().address)
    key_tx = send_direct(
        w3, lock_manager, lock, grant_keys_calldata([wallet], lock_manager.address)
    ).tx_hash
    uid = attest_on_chain(w3, lock_manager, dev_deployment, wallet, key_tx, "m1")
    only = settled_learner(
        engine, wallet=wallet, attestation_uid=uid, lock_address=lock, key_tx=key_tx,
        cohort_id="m1",
    )  # fmt: skip
    cert, _ = render(engine, settings, only.enrollment_id)

    revoked = revoke(Issuer.build(settings, engine), only.enrollment_id, "Issued in error")

    assert revoked.tx_hash is not None
    assert has_valid_key(w3, lock, wallet) is False
    page = requests.get(f"{site.url}/api/certificates/{cert.id}", timeout=10).json()
    assert page["verdict"] == "revoked"


def test_revoking_both_cohorts_at_once_expires_the_key_once(
    engine: sa.Engine,
    settings: Settings,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> None:
    """Two revocations decide in turn (the key's advisory lock): the second sees the
    first, so the key does not outlive both certificates."""
    lock = dev_deployment.lock_address
    wallet = str(Account.create().address)
    key_tx = send_direct(
        w3, lock_manager, lock, grant_keys_calldata([wallet], lock_manager.address)
    ).tx_hash
    _cohorts(engine, lock, "n2")
    first = settled_learner(
        engine, wallet=wallet, attestation_uid=None, lock_address=lock, key_tx=key_tx,
        cohort_id="n1",
    )  # fmt: skip
    second = _enroll(engine, first.user_profile_id, "n2")
    _settle(engine, second, key_tx, "0x" + "ab" * 32)
    issuer = Issuer.build(settings, engine)
    start = threading.Barrier(2)
    done: list[Revocation] = []

    def run(enrollment: UUID) -> None:
        start.wait()
        done.append(revoke(issuer, enrollment, "Issued in error"))

    threads = [threading.Thread(target=run, args=(e,)) for e in (first.enrollment_id, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(done) == 2
    assert sorted(r.tx_hash is None for r in done) == [False, True]  # one expired the key
    assert has_valid_key(w3, lock, wallet) is False

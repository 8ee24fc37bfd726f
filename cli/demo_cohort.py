"""The demo's cohort: seeded, its milestones completed as an app would, followed
through to certificates, and reported.

Imported only when ``certflow demo`` runs.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa
from eth_account import Account
from tqdm import tqdm

from certflow.settings import Settings
from cli.demo_services import LOG_DIR
from db import certificates, outbox, seed
from db.engine import transaction
from issuance.certificates.records import verify_url
from render.storage import ObjectStore

NAMES = [
    "Ada Lovelace", "Amélie Dubois", "Ольга Ладыженская", "Γεώργιος Παπανικολάου", "李娜",
    "山田 花子", "김민준", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Tim Berners-Lee",
    "Margaret Hamilton", "Barbara Liskov", "Radia Perlman", "Donald Knuth",
]  # fmt: skip

COMPLETED = (
    "SELECT count(*) FROM bootcamp_enrollments WHERE cohort_id = :c"
    " AND enrollment_status = 'completed'"
)
RENDERED = (
    "SELECT count(*) FROM certificates c JOIN bootcamp_enrollments e"
    " ON e.id = c.enrollment_id WHERE e.cohort_id = :c AND c.superseded_at IS NULL"
    " AND c.attestation_uid IS NOT NULL"
)
LEARNERS = (
    "SELECT e.id, u.display_name, e.enrollment_status, e.certificate_tx_hash,"
    " e.certificate_attestation_uid FROM bootcamp_enrollments e"
    " JOIN user_profiles u ON u.id = e.user_profile_id WHERE e.cohort_id = :c"
    " ORDER BY u.display_name"
)


def seed_cohort(engine: sa.Engine, learners: int, milestones: int, lock: str) -> seed.Cohort:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    names = [NAMES[i % len(NAMES)] for i in range(learners)]
    wallets = [Account.create().address for _ in names]
    with transaction(engine) as conn:
        cohort = seed.create_cohort(
            conn,
            bootcamp_id=f"demo-bootcamp-{stamp}",
            cohort_id=f"demo-{stamp}",
            milestones=milestones,
            cohort_name=f"Demo cohort {stamp}",
            lock_address=lock,
        )
        seed.enroll_learners(conn, cohort, names, wallets)
    return cohort


def complete_progress(engine: sa.Engine, cohort: seed.Cohort) -> int:
    """Every learner but the last finishes everything; the last stops one short."""
    steps = [
        (user, m)
        for i, user in enumerate(cohort.learners)
        for m in (
            cohort.milestone_ids if i < len(cohort.learners) - 1 else cohort.milestone_ids[:-1]
        )
    ]
    random.shuffle(steps)  # learners finish milestones in no particular order
    for user, milestone in tqdm(
        steps, desc="completing milestones", unit="milestone", disable=None
    ):
        with transaction(engine) as conn:  # one app request, one transaction
            seed.complete_milestone(conn, user, milestone)
    return len(cohort.learners) - 1


def count(engine: sa.Engine, statement: str, cohort_id: str) -> int:
    with transaction(engine) as conn:
        return int(conn.execute(sa.text(statement), {"c": cohort_id}).scalar_one())


def wait_completed(engine: sa.Engine, cohort: seed.Cohort, expected: int, timeout: float) -> None:
    """Until the expected learners are completed: then they can claim."""
    deadline = time.monotonic() + timeout
    while count(engine, COMPLETED, cohort.cohort_id) < expected:
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)


def wait(engine: sa.Engine, cohort: seed.Cohort, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with tqdm(
        total=expected * 2, desc="completions and certificates", unit="step", disable=None
    ) as bar:
        while time.monotonic() < deadline:
            done = count(engine, COMPLETED, cohort.cohort_id) + count(
                engine, RENDERED, cohort.cohort_id
            )
            bar.update(done - bar.n)
            if done >= expected * 2:
                return
            time.sleep(0.2)


def report(
    engine: sa.Engine, settings: Settings, cohort: seed.Cohort
) -> tuple[Path | None, UUID | None]:
    """Each learner's status, key, attestation and certificate; a preview of one PDF and its id."""
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    preview: Path | None = None
    shown: UUID | None = None
    with transaction(engine) as conn:
        rows = conn.execute(sa.text(LEARNERS), {"c": cohort.cohort_id}).all()
        current = {r.id: certificates.current(conn, r.id) for r in rows}
        counts = outbox.counts(conn)
    print(
        f"\ncohort {cohort.cohort_id}: {len(cohort.milestone_ids)} milestones, {len(rows)} learners"
    )
    for r in rows:
        print(f"\n  {r.display_name}: {r.enrollment_status}")
        cert = current[r.id]
        if r.certificate_tx_hash:
            print(f"    key tx       {r.certificate_tx_hash}")
            print(f"    attestation  {r.certificate_attestation_uid or 'pending'}")
        if cert is not None:
            print(f"    certificate  {cert.id} (v{cert.version}, {cert.size_bytes} bytes)")
            print(f"    download     {store.presigned_url(cert.object_key)}")
            print(f"    verify       {verify_url(settings, cert.id)}")
            if preview is None:
                preview, shown = _preview(store.get(cert.object_key), cert.id), cert.id
    print(
        f"\noutbox: {counts['dispatched']} dispatched, {counts['pending']} pending,"
        f" {counts['failed']} failed"
    )
    return preview, shown


def _preview(pdf: bytes, name: object) -> Path:
    """A PNG of the first page, for people to look at."""
    out = LOG_DIR / f"certificate-{name}"
    out.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(out.with_suffix(".pdf")), str(out)],
        check=True,
    )
    return out.with_suffix(".png")

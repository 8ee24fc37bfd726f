"""The chaos suite's cohort: good learners and bad input, the burst that completes them,
and the invariants read from the sources of truth (chain logs, object store, Postgres)."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
import sqlalchemy as sa
from eth_account import Account
from web3 import Web3

from chain.attestation import attested_events
from chain.lock import lock_contract
from db import seed
from render.storage import ObjectStore

LONG_NAME = "Ω" + "x" * 9_999  # a 10,000-character name


@dataclass
class Cohort:
    good: dict[UUID, str] = field(default_factory=dict)  # enrollment -> wallet
    #: Bad input that must end in a recorded error on the enrollment.
    refused: list[UUID] = field(default_factory=list)
    unknown_milestones: int = 0
    #: (user, milestone) pairs the app completes in the burst.
    last_steps: list[tuple[UUID, str]] = field(default_factory=list)


def seed_cohort(owner: sa.Engine, lock: str, learners: int, *, bad: bool) -> Cohort:
    """All but the last milestone done (written behind the trigger, as history)."""
    cohort = Cohort()
    with owner.begin() as conn:
        names: list[str | None] = [f"Learner {i}" for i in range(learners)]
        wallets: list[str | None] = [str(Account.create().address) for _ in names]
        if bad:
            names += [LONG_NAME, LONG_NAME + "2", None, None]
            wallets += [str(Account.create().address), str(Account.create().address)]
            wallets += [None, None]
        _add(conn, cohort, "good", lock, names, wallets, good=len(names) - (2 if bad else 0))
        if bad:
            no_contract = str(Account.create().address)
            _add(conn, cohort, "nolock", None, ["N1", "N2"], [_wallet(), _wallet()], good=0)
            _add(conn, cohort, "nocontract", no_contract, ["C1", "C2"], [_wallet(), _wallet()], 0)
            users = list(cohort.good)[:3]
            ids = conn.execute(
                sa.text("SELECT user_profile_id FROM bootcamp_enrollments WHERE id = ANY(:ids)"),
                {"ids": users},
            ).scalars()
            cohort.last_steps += [(u, f"ghost-{i}") for i, u in enumerate(ids)]
            cohort.unknown_milestones = len(users)
    return cohort


def _wallet() -> str:
    return str(Account.create().address)


def _add(
    conn: sa.Connection,
    cohort: Cohort,
    name: str,
    lock: str | None,
    names: list[str | None],
    wallets: list[str | None],
    good: int,
) -> None:
    made = seed.create_cohort(
        conn, bootcamp_id=f"bootcamp-{name}", cohort_id=name, milestones=2, lock_address=lock
    )
    added = seed.enroll_learners(conn, made, names, wallets)
    conn.execute(sa.text("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER"))
    for user in added:
        seed.complete_milestone(conn, user, made.milestone_ids[0])
    conn.execute(sa.text("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER"))
    for i, (user, enrollment) in enumerate(added.items()):
        cohort.last_steps.append((user, made.milestone_ids[1]))
        if i < good:
            cohort.good[enrollment] = str(wallets[i])
        else:
            cohort.refused.append(enrollment)


def burst(app_url: str, steps: list[tuple[UUID, str]], threads: int = 4) -> None:
    """The app completes each learner's last milestone, one transaction each."""

    def run(part: list[tuple[UUID, str]]) -> None:
        with psycopg.connect(app_url, autocommit=True) as conn:
            for user, milestone in part:
                conn.execute(
                    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                    " VALUES (%s, %s, 'completed') ON CONFLICT (user_profile_id, milestone_id)"
                    " DO UPDATE SET status = 'completed'",
                    (user, milestone),
                )

    workers = [threading.Thread(target=run, args=(steps[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def settled(engine: sa.Engine, cohort: Cohort) -> bool:
    """Everything that can happen has happened (read from Postgres, cheaply)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT"
                " (SELECT count(*) FROM bootcamp_enrollments e JOIN certificates c"
                "   ON c.enrollment_id = e.id AND c.superseded_at IS NULL"
                "   AND c.attestation_uid = e.certificate_attestation_uid"
                "   WHERE e.id = ANY(:good)) AS printed,"
                " (SELECT count(*) FROM bootcamp_enrollments"
                "   WHERE id = ANY(:refused) AND certificate_last_error IS NOT NULL) AS refused,"
                " (SELECT count(*) FROM bootcamp_enrollments"
                "   WHERE enrollment_status <> 'completed') AS incomplete,"
                " (SELECT count(*) FROM dead_letters WHERE actor = 'check_completion') AS ghosts,"
                " (SELECT count(*) FROM event_outbox WHERE dispatched_at IS NULL) AS pending"
            ),
            {"good": list(cohort.good), "refused": cohort.refused},
        ).one()
    return (row.printed, row.refused, row.incomplete, row.ghosts, row.pending) == (
        len(cohort.good),
        len(cohort.refused),
        0,
        cohort.unknown_milestones,
        0,
    )


@dataclass(frozen=True)
class Chain:
    w3: Web3
    lock: str
    eas: str
    schema: str
    attester: str


def invariants(
    engine: sa.Engine, chain: Chain, store: ObjectStore, cohort: Cohort
) -> dict[str, Any]:
    """Duplicates and losses, from the chain's logs, the object store and Postgres."""
    transfers = lock_contract(chain.w3, chain.lock).events.Transfer().get_logs(from_block=0)
    keys = Counter(t["args"]["to"] for t in transfers)
    wallets = set(cohort.good.values())
    attested = Counter(
        {
            w: len(attested_events(
                chain.w3, chain.eas, schema=chain.schema, attester=chain.attester, recipient=w
            ))
            for w in wallets
        }
    )  # fmt: skip
    pdfs = _pdfs(engine, store, cohort)
    activities = _activities(engine)
    duplicates = {
        "keys": sum(n - 1 for n in keys.values() if n > 1) + sum(keys[w] for w in keys
                                                                 if w not in wallets),
        "attestations": sum(n - 1 for n in attested.values() if n > 1),
        "activities": sum(n - 1 for n in activities.values() if n > 1),
    }  # fmt: skip
    lost = {
        "keys": sum(1 for w in wallets if keys[w] == 0),
        "attestations": sum(1 for w in wallets if attested[w] == 0),
        "pdfs": sum(1 for ok in pdfs.values() if not ok),
    }
    return {"duplicates": duplicates, "lost": lost}


def _pdfs(engine: sa.Engine, store: ObjectStore, cohort: Cohort) -> dict[UUID, bool]:
    """Per good enrollment: exactly one current PDF, whose bytes match its sha256."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT enrollment_id, object_key, sha256 FROM certificates"
                " WHERE superseded_at IS NULL AND enrollment_id = ANY(:ids)"
            ),
            {"ids": list(cohort.good)},
        ).all()
    found = {e: False for e in cohort.good}
    for row in rows:
        found[row.enrollment_id] = hashlib.sha256(store.get(row.object_key)).hexdigest() == (
            row.sha256
        )
    return found


def _activities(engine: sa.Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT activity_data ->> 'enrollment_id' AS e FROM user_activities"
                " WHERE activity_type = 'bootcamp_completed'"
            )
        ).all()
        completed = conn.execute(
            sa.text(
                "SELECT id::text FROM bootcamp_enrollments WHERE enrollment_status = 'completed'"
            )
        ).scalars()
        counts = Counter(r.e for r in rows)
        for enrollment in completed:
            counts.setdefault(enrollment, 0)
    return counts

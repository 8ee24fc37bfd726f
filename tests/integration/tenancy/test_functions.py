"""Every function a tenant role may call, tried with another community's id: it answers
exactly as for an id that does not exist. The list comes from the live catalogue, so a new
tenant-callable function without a probe here fails."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.fixtures.tenancy import Conn, Connect
from tests.integration.tenancy.conftest import Tenant, World

Args = Callable[[Tenant], tuple[Any, ...]]


@dataclass(frozen=True)
class Probe:
    statement: str
    args: Args  # the arguments naming a tenant's rows (B's for the attack, A's for the control)
    unknown: tuple[Any, ...]  # the same arguments naming nothing
    roles: tuple[str, ...]  # who may call it: app (bound login), app_api, learner, instructor


GHOST = uuid.UUID("00000000-0000-4000-8000-000000000000")
PROBES: dict[str, Probe] = {
    "request_certificate_claim(uuid)": Probe(
        "SELECT request_certificate_claim(%s)",
        lambda t: (t.enrollment,),
        (GHOST,),
        ("app", "app_api", "learner"),
    ),
    "certificate_status(uuid)": Probe(
        "SELECT certificate_status(%s)",
        lambda t: (t.enrollment,),
        (GHOST,),
        ("app", "app_api", "learner"),
    ),
    # The API's (0023): a learner's retry request; an app's change to its catalog.
    "request_attestation_retry(uuid)": Probe(
        "SELECT request_attestation_retry(%s)",
        lambda t: (t.enrollment,),
        (GHOST,),
        ("app", "app_api", "learner"),
    ),
    "save_community_achievement(uuid,jsonb)": Probe(
        "SELECT save_community_achievement(%s, '{}'::jsonb) IS NOT NULL",
        lambda t: (t.achievement_id,),
        (GHOST,),
        ("app", "app_api"),
    ),
    "record_activity(uuid,text,timestamp with time zone,jsonb)": Probe(
        "SELECT record_activity(%s, 'login') IS NOT NULL",
        lambda t: (t.learner,),
        (GHOST,),
        ("app", "app_api"),
    ),
    "emit_activity_recorded(uuid)": Probe(
        "SELECT emit_activity_recorded(%s)::text",
        lambda t: (t.activity,),
        (GHOST,),
        ("app", "app_api"),
    ),
    "achievement_dashboard(uuid,integer)": Probe(
        "SELECT achievement_dashboard(%s, 3)",
        lambda t: (t.learner,),
        (GHOST,),
        ("app", "app_api", "learner"),
    ),
    "community_of_user(uuid)": Probe(
        "SELECT community_of_user(%s)",
        lambda t: (t.learner,),
        (GHOST,),
        ("app", "app_api", "learner", "instructor"),
    ),
    "community_of_cohort(text)": Probe(
        "SELECT community_of_cohort(%s)",
        lambda t: (t.cohort,),
        ("no-such-cohort",),
        ("app", "app_api", "learner", "instructor"),
    ),
    "instructs_milestone(text)": Probe(
        "SELECT instructs_milestone(%s)",
        lambda t: (t.milestones[1],),
        ("no-such-milestone",),
        ("instructor",),
    ),
    # Queueing a test event or a replay of a webhook delivery (sql/rules/webhook_requests.sql).
    "queue_webhook_delivery(text)": Probe(
        "SELECT queue_webhook_delivery(%s)::text",
        lambda t: (t.webhook_delivery,),
        ("msg_" + "0" * 32,),
        ("app", "app_api"),
    ),
    "validate_milestone(uuid,text,boolean,text)": Probe(
        "SELECT validate_milestone(%s, %s, true)",
        lambda t: (t.other_learner, t.milestones[1]),
        (GHOST, "no-such-milestone"),
        ("instructor",),
    ),
}
#: Tenant-callable functions that take no id of anyone's (or are only ever fired as triggers).
NO_ID = {
    "current_community_id()": "the caller's own community",
    "current_user_profile_id()": "the caller's own learner",
    "is_time_zone(text)": "a time zone name",
    "clean_profile_name(text)": "a name",
    "milestone_gate()": "trigger",
    "activity_local_date()": "trigger",
    "touch_updated_at()": "trigger",
    "enqueue_milestone_completed()": "trigger",
}
#: Answers another community's id differently from an unknown one, by design: see its test.
COMMUNITY_OF_MILESTONE = "community_of_milestone(text)"


def _connect(login_as: Connect, role: str, world: World) -> Conn:
    a = world.a
    if role == "app":
        return login_as("certflow_app", "A")
    if role == "app_api":
        return login_as("certflow_app", "A", via_api=True)
    return login_as(f"certflow_{role}", "A", a.instructor if role == "instructor" else a.learner)


def _answer(conn: Conn, probe: Probe, args: tuple[Any, ...]) -> tuple[str, Any]:
    """What the caller sees, with the ids it passed replaced by their position; rolled back."""

    def blank(text: str) -> str:
        for i, arg in enumerate(args):
            text = text.replace(str(arg), f"<arg{i}>")
        return text

    try:
        with conn.transaction(force_rollback=True):
            row = conn.execute(probe.statement, args).fetchone()
    except psycopg.Error as exc:
        return ("error", (exc.diag.sqlstate, blank(str(exc.diag.message_primary))))
    value = None if row is None else row[0]
    return ("value", blank(str(value)))


def test_every_tenant_callable_function_is_probed(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        callable_ = set(
            conn.execute(
                sa.text(
                    "SELECT DISTINCT replace(p.oid::regprocedure::text, 'public.', '')"
                    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " CROSS JOIN unnest(ARRAY['certflow_app', 'certflow_learner',"
                    " 'certflow_instructor']) AS r (role)"
                    " WHERE n.nspname = 'public'"
                    " AND has_function_privilege(r.role, p.oid, 'EXECUTE')"
                )
            ).scalars()
        )
    unprobed = callable_ - set(PROBES) - set(NO_ID) - {COMMUNITY_OF_MILESTONE}
    assert not unprobed, (
        f"tenant roles may call {sorted(unprobed)}: add a probe to PROBES in {__file__}"
        " (another community's id must answer as an unknown id), or revoke the right"
    )


@pytest.mark.parametrize(
    ("function", "role"), [(f, r) for f, probe in PROBES.items() for r in probe.roles]
)
def test_another_communitys_id_answers_as_an_unknown_id(
    login_as: Connect, world: World, function: str, role: str
) -> None:
    probe = PROBES[function]
    conn = _connect(login_as, role, world)
    if role == "app":  # what an attacker adds to a bound login; it changes nothing
        conn.execute("SET certflow.community_id = 'B'")
    foreign = _answer(conn, probe, probe.args(world.b))
    unknown = _answer(conn, probe, probe.unknown)
    own = _answer(conn, probe, probe.args(world.a))
    assert foreign == unknown
    assert own != unknown, "the probe cannot tell: its own community's id answers the same"


def test_community_of_milestone_tells_only_that_a_milestone_id_is_taken(
    login_as: Connect, world: World
) -> None:
    """Apps may write progress for a milestone certflow does not know (check_completion
    reports it) but not for another community's: so the lookup the progress policy uses
    tells a taken id from a free one, and nothing more (never the other community)."""
    app = login_as("certflow_app", "A")
    ask = "SELECT community_of_milestone(%s)"
    assert app.execute(ask, (world.b.milestones[0],)).fetchone() == ("",)
    assert app.execute(ask, ("no-such-milestone",)).fetchone() == (None,)
    assert app.execute(ask, (world.a.milestones[0],)).fetchone() == ("A",)

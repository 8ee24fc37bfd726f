"""The API over real HTTP: the web app under uvicorn on a port, reached with httpx; the
database as the real LOGIN users (the API's own login, certflow_api); Redis for the
rate limits; a JWKS served by the test. Two communities, alpha and beta, each with a
bootcamp, a cohort, learners, an instructor, an API key and its token settings."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from certflow.settings import Settings
from chain.devnode import free_port
from db import api_keys
from db.community_auth import CommunityAuth, save
from tests.fixtures.database import TEST_ENV, settings_for
from tests.integration.api.jwks import KeyPair, Provider, token
from web.app import create_app
from web.server import web_settings
from web.site import Site

COMMUNITIES = ("alpha", "beta")


@dataclass
class Tenant:
    community: str
    issuer: str
    audience: str
    cohort: str
    milestones: list[str]
    manual_milestone: str
    completed: UUID  # a learner whose enrollment is completed
    completed_enrollment: UUID
    active: UUID  # a learner still working
    active_enrollment: UUID
    instructor: UUID
    key: str
    key_prefix: str

    def subject(self, learner: str) -> str:
        return f"did:{self.community}:{learner}"


@pytest.fixture
def provider() -> Iterator[Provider]:
    made = Provider()
    yield made
    made.close()


def _seed(conn: sa.Connection, community: str) -> dict[str, Any]:
    q = sa.text
    conn.execute(
        q("INSERT INTO communities (id, name) VALUES (:c, :c) ON CONFLICT DO NOTHING"),
        {"c": community},
    )
    conn.execute(
        q(
            "INSERT INTO bootcamp_programs (id, name, lock_address, community_id)"
            " VALUES (:b, :b, :lock, :c)"
        ),
        {"b": f"boot-{community}", "lock": "0x" + "11" * 20, "c": community},
    )
    cohort = f"cohort-{community}"
    conn.execute(
        q("INSERT INTO cohorts (id, bootcamp_program_id, name) VALUES (:id, :b, :id)"),
        {"id": cohort, "b": f"boot-{community}"},
    )
    milestones = [f"m-{community}-{i}" for i in range(2)]
    manual = f"m-{community}-manual"
    for i, m in enumerate([*milestones, manual]):
        conn.execute(
            q(
                "INSERT INTO cohort_milestones (id, cohort_id, name, order_index, validation_type)"
                " VALUES (:m, :c, :m, :i, :v)"
            ),
            {"m": m, "c": cohort, "i": i, "v": "manual" if m == manual else "automatic"},
        )
    people = {}
    for name in ("completed", "active", "instructor"):
        people[name] = conn.execute(
            q(
                "INSERT INTO user_profiles (privy_user_id, display_name, community_id)"
                " VALUES (:p, :n, :c) RETURNING id"
            ),
            {"p": f"did:{community}:{name}", "n": name, "c": community},
        ).scalar_one()
    enrollments = {}
    for name, status in (("completed", "completed"), ("active", "active")):
        enrollments[name] = conn.execute(
            q(
                "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id, enrollment_status,"
                " completion_date) VALUES (:u, :c, :s, CASE WHEN :s = 'completed' THEN now() END)"
                " RETURNING id"
            ),
            {"u": people[name], "c": cohort, "s": status},
        ).scalar_one()
    conn.execute(
        q("INSERT INTO cohort_instructors (cohort_id, user_profile_id) VALUES (:c, :u)"),
        {"c": cohort, "u": people["instructor"]},
    )
    return {
        "cohort": cohort,
        "milestones": milestones,
        "manual": manual,
        "people": people,
        "enrollments": enrollments,
    }


@pytest.fixture
def tenants(
    owner_engine: sa.Engine, admin_engine: sa.Engine, provider: Provider
) -> dict[str, Tenant]:
    made = {}
    for community in COMMUNITIES:
        with owner_engine.begin() as conn:
            seeded = _seed(conn, community)
            conn.execute(sa.text("UPDATE certificate_flags SET certificates_enabled = true"))
        issuer, audience = f"https://auth.{community}.test", f"{community}-app"
        with admin_engine.begin() as conn:
            save(conn, CommunityAuth(community, provider.url, issuer, audience))
            row, key = api_keys.create(conn, community, f"{community} backend")
        made[community] = Tenant(
            community,
            issuer,
            audience,
            seeded["cohort"],
            seeded["milestones"],
            seeded["manual"],
            seeded["people"]["completed"],
            seeded["enrollments"]["completed"],
            seeded["people"]["active"],
            seeded["enrollments"]["active"],
            seeded["people"]["instructor"],
            key,
            row.prefix,
        )
    return made


@pytest.fixture
def api_env(database_urls: dict[str, str], redis_url: str) -> dict[str, str]:
    """The web process's settings with the API on: its own login (certflow_api)."""
    return {
        **TEST_ENV,
        "REDIS_URL": redis_url,
        "BROKER_NAMESPACE": f"api-test-{uuid.uuid4().hex[:8]}",
        "API_DATABASE_URL": database_urls["api"],
        # The verify pages' configuration (not used here: nothing is verified).
        "LOCK_MANAGER_ADDRESS": "0x" + "22" * 20,
        "EAS_CONTRACT_ADDRESS": "0x" + "33" * 20,
        "BOOTCAMP_COMPLETION_SCHEMA_UID": "0x" + "44" * 32,
        "S3_ACCESS_KEY": "unused",
        "S3_SECRET_KEY": "unused",
        "API_JWKS_MIN_REFRESH_SECONDS": "30",
    }


class ApiServer:
    """The web app in uvicorn on a thread: real HTTP on a real port."""

    def __init__(self, settings: Settings) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/api/v1"
        app = create_app(Site.build(web_settings(settings)))
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="api", daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def __enter__(self) -> ApiServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                pytest.fail("the API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(10)


StartApi = Callable[..., ApiServer]


@pytest.fixture
def start_api(database_urls: dict[str, str], api_env: dict[str, str]) -> Iterator[StartApi]:
    """``start_api(API_KEY_RATE_LIMIT="3/minute")``: a server with these settings."""
    started: list[ApiServer] = []

    def start(**env: str) -> ApiServer:
        settings = settings_for(database_urls["worker"], **{**api_env, **env})
        server = ApiServer(settings).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()


@pytest.fixture
def api(start_api: StartApi, tenants: dict[str, Tenant]) -> ApiServer:
    return start_api()


Sign = Callable[..., str]


@pytest.fixture
def sign(provider: Provider, tenants: dict[str, Tenant]) -> Sign:
    """``sign("alpha", "completed")``: a valid token of that community's person."""

    def make(community: str, person: str, key: KeyPair | None = None, **options: Any) -> str:
        tenant = tenants[community]
        options = {"iss": tenant.issuer, "aud": tenant.audience, **options}
        return token(key or provider.keys[0], sub=tenant.subject(person), **options)

    return make


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}

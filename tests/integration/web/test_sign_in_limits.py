"""Issue 19, item 6: sign-in attempts are limited per account and per address, counted in
Redis so every web process shares them; password hashes computed at once are bounded,
the excess answered at once; sign-ins and wrong passwords are in admin_audit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from certflow.settings import load_settings
from chain.devnode import free_port
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import PASSWORD, admin_env


def _login_token(session: requests.Session, site: Server) -> str:
    form = session.get(site.url + "/admin/login", timeout=10)
    return form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def _attempt(site: Server, name: str, password: str) -> requests.Response:
    session = requests.Session()
    token = _login_token(session, site)
    return session.post(
        site.url + "/admin/login",
        data={"username": name, "password": password, "csrf": token},
        allow_redirects=False,
        timeout=30,
    )


@pytest.fixture
def env(web_database_url: str, admin_database_url: str) -> dict[str, str]:
    return {
        **admin_env(web_database_url, admin_database_url),
        "ADMIN_LOGIN_LIMIT_PER_ACCOUNT": "5/minute",
        "ADMIN_LOGIN_LIMIT_PER_ADDRESS": "8/minute",
    }


@pytest.fixture
def site(env: dict[str, str]) -> Iterator[Server]:
    with Server(load_settings(env), free_port()) as server:
        yield server


def _sign_ins(engine: sa.Engine) -> list[tuple[str, str]]:
    found = rows(
        engine,
        "SELECT actor, outcome FROM admin_audit WHERE command = 'admin sign-in' ORDER BY id",
    )
    return [(r.actor, r.outcome) for r in found]


def test_after_the_account_limit_even_the_right_password_is_refused(
    site: Server, engine: sa.Engine
) -> None:
    wrong = [_attempt(site, "ada", f"guess {n}").status_code for n in range(7)]
    right = _attempt(site, "ada", PASSWORD)

    assert wrong == [401] * 5 + [429] * 2
    assert right.status_code == 429
    assert "Too many sign-in attempts" in right.text
    assert 1 <= int(right.headers["retry-after"]) <= 61
    assert "certflow_admin=" not in right.headers.get("set-cookie", "")  # no session
    assert _sign_ins(engine) == [("ada", "refused")] * 5


def test_the_address_limit_covers_every_account_tried_from_it(
    site: Server, engine: sa.Engine
) -> None:
    statuses = [_attempt(site, f"user{n}", "guess").status_code for n in range(10)]

    assert statuses == [401] * 8 + [429] * 2
    assert len(_sign_ins(engine)) == 8


def test_two_web_processes_share_the_counts(env: dict[str, str], engine: sa.Engine) -> None:
    settings = load_settings(env)
    with Server(settings, free_port()) as one, Server(settings, free_port()) as two:
        statuses = [_attempt(site, "vic", "guess").status_code for site in (one, two) * 3]

    assert statuses == [401] * 5 + [429]


def test_a_signed_in_admin_is_audited_with_the_address(site: Server, engine: sa.Engine) -> None:
    response = _attempt(site, "ada", PASSWORD)

    assert response.status_code == 303
    [row] = rows(engine, "SELECT actor, via, outcome, arguments, db_user FROM admin_audit")
    assert (row.actor, row.via, row.outcome) == ("ada", "web", "ok")
    assert row.arguments == {"address": "127.0.0.1"}


def test_hashes_at_once_are_bounded_and_the_excess_is_answered_at_once(
    env: dict[str, str], engine: sa.Engine
) -> None:
    env = {
        **env,
        "ADMIN_LOGIN_CONCURRENCY": "1",
        "ADMIN_LOGIN_LIMIT_PER_ADDRESS": "100/minute",
    }
    with Server(load_settings(env), free_port()) as site:

        def timed(n: int) -> tuple[int, float, str]:
            session = requests.Session()
            token = _login_token(session, site)
            started = time.monotonic()
            response = session.post(
                site.url + "/admin/login",
                data={"username": f"u{n}", "password": "guess", "csrf": token},
                timeout=60,
            )
            return (
                response.status_code,
                time.monotonic() - started,
                response.headers.get("retry-after", ""),
            )

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(timed, range(12)))

    busy = [r for r in results if r[0] == 503]
    checked = [r for r in results if r[0] == 401]
    assert busy, results
    assert len(busy) + len(checked) == 12
    assert {r[2] for r in busy} == {"1"}
    # Answered without waiting for a hash: faster than the slowest checked attempt.
    assert max(r[1] for r in busy) < max(r[1] for r in checked)
    assert len(_sign_ins(engine)) == len(checked)

"""Issue 19, item 5: headers a client could forge are believed only from the configured
reverse proxy (ADMIN_TRUSTED_PROXIES), the Host header is checked, and https gets HSTS.

127.0.0.2 plays the trusted proxy; a direct request comes from 127.0.0.1."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
from structlog.testing import capture_logs

from certflow.errors import ConfigError
from certflow.settings import load_settings
from tests.integration.admin.letters import dead_letter
from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import (
    PROXY_ADDRESS,
    admin_site,
    admin_web_settings,
    from_address,
)

__all__ = ["admin_site", "admin_web_settings"]  # fixtures shared with the admin page tests

DIRECT = "127.0.0.1"


def test_a_direct_request_naming_an_admin_in_the_proxy_header_is_not_signed_in(
    admin_site: Server, engine: sa.Engine
) -> None:
    dead_letter(engine, reason="rpc timed out")
    headers = {"X-Forwarded-User": "ada", "X-Forwarded-For": "10.1.2.3"}

    with capture_logs() as logs:
        status, response_headers, text = from_address(
            DIRECT, admin_site.url + "/admin/dead-letters", headers
        )

    assert (status, response_headers["location"]) == (303, "/admin/login")
    assert "rpc timed out" not in text
    [ignored] = [entry for entry in logs if entry["event"] == "web.proxy_headers_ignored"]
    assert ignored["peer"] == DIRECT
    assert ignored["headers"] == ["x-forwarded-for", "x-forwarded-user"]
    assert rows(engine, "SELECT * FROM admin_audit") == []


def test_the_same_request_through_the_trusted_proxy_is_believed(
    admin_site: Server, engine: sa.Engine
) -> None:
    dead_letter(engine, reason="rpc timed out")

    status, _, text = from_address(
        PROXY_ADDRESS, admin_site.url + "/admin/dead-letters", {"X-Forwarded-User": "pat"}
    )

    assert status == 200
    assert "rpc timed out" in text


def test_hsts_only_when_the_trusted_proxy_says_the_client_used_https(admin_site: Server) -> None:
    https = {"X-Forwarded-Proto": "https"}

    _, through_proxy, _ = from_address(PROXY_ADDRESS, admin_site.url + "/verify", https)
    _, forged, _ = from_address(DIRECT, admin_site.url + "/verify", https)
    _, plain, _ = from_address(PROXY_ADDRESS, admin_site.url + "/verify", {})

    assert through_proxy["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in forged
    assert "strict-transport-security" not in plain


def test_a_host_outside_allowed_hosts_is_refused_and_never_reflected(admin_site: Server) -> None:
    # The trailing-slash redirect used to answer Location: http://evil.example/verify.
    response = requests.get(
        admin_site.url + "/verify/",
        headers={"Host": "evil.example"},
        allow_redirects=False,
        timeout=10,
    )
    allowed = requests.get(admin_site.url + "/verify", allow_redirects=False, timeout=10)

    assert response.status_code == 400
    assert "evil.example" not in response.headers.get("location", "")
    assert "evil.example" not in response.text
    assert allowed.status_code == 200


def test_a_proxy_header_without_trusted_proxies_is_refused_at_start() -> None:
    env = {
        "ADMIN_DATABASE_URL": "postgresql://admin@db/certflow",
        "WEB_SESSION_SECRET": "s" * 32,
        "ADMIN_PROXY_HEADER": "X-Forwarded-User",
    }

    with pytest.raises(ConfigError, match="ADMIN_PROXY_HEADER needs ADMIN_TRUSTED_PROXIES"):
        load_settings(env)
    assert load_settings({**env, "ADMIN_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"})

"""The site over real HTTP: the JSON API, downloads, headers, the read-only role, and the
page with the RPC unreachable."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import sqlalchemy as sa
from web3 import Web3

from certflow.settings import Settings, load_settings
from chain.deploy import DevDeployment
from chain.devnode import free_port
from chain.lock import expire_key_calldata, valid_key_token
from chain.transactions import Signer, send_direct
from tests.integration.web.conftest import API_TOKEN, Issue, Server

CHECKS = ["record", "pdf", "key", "attestation", "revocation", "verdict"]


def test_certificate_json_has_the_checks_in_order_all_passing(issue: Issue, site: Server) -> None:
    issued = issue()
    response = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10)

    assert response.status_code == 200
    body = response.json()
    assert [check["key"] for check in body["checks"]] == CHECKS
    assert [check["status"] for check in body["checks"]] == ["pass"] * 6
    assert body["verdict"] == "verified"
    assert body["certificate"]["learner"] == "Amélie Dubois"
    assert body["certificate"]["total_xp"] == 450
    assert body["certificate"]["issuer"]["name"] == "P2E Inferno"
    assert body["links"]["verify"] == f"{site.url}/verify/{issued.certificate.id}"
    assert body["links"]["download"] == f"{site.url}/certificates/{issued.certificate.id}.pdf"
    [uid] = [e for c in body["checks"] for e in c["evidence"] if e["kind"] == "attestation"]
    assert uid["url"] == f"https://easscan.example/attestation/view/{uid['value']}"


def test_unknown_and_malformed_ids_are_404_json(site: Server) -> None:
    for cert_id in ("00000000-0000-0000-0000-000000000001", "not-a-uuid"):
        response = requests.get(f"{site.url}/api/certificates/{cert_id}", timeout=10)
        assert response.status_code == 404
        assert response.json() == {"error": "no such certificate"}


def test_learner_certificates_need_the_token_and_list_current_versions(
    issue: Issue, site: Server
) -> None:
    issued = issue()
    url = f"{site.url}/api/learners/{issued.user_profile_id}/certificates"

    refused = requests.get(url, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer nope"}
    assert requests.get(url, headers=wrong, timeout=10).status_code == 401
    response = requests.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)

    assert response.status_code == 200
    [cert] = response.json()["certificates"]
    assert cert["id"] == str(issued.certificate.id)
    assert cert["verify"] == f"{site.url}/verify/{issued.certificate.id}"
    assert cert["download"] == f"{site.url}/certificates/{issued.certificate.id}.pdf"
    assert cert["revoked"] is False


def test_download_redirects_to_a_fresh_presigned_url_named_after_the_learner(
    issue: Issue, site: Server
) -> None:
    issued = issue(name="Анна Кузнецова")
    url = f"{site.url}/certificates/{issued.certificate.id}.pdf"

    first = requests.get(url, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    assert first.headers["cache-control"] == "no-store"
    disposition = parse_qs(urlsplit(first.headers["location"]).query)[
        "response-content-disposition"
    ][0]
    assert "Анна Кузнецова" in unquote(disposition)
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == issued.pdf
    assert "filename*=UTF-8''Certificate%20-%20" in fetched.headers["content-disposition"]


def test_every_response_carries_the_security_headers(site: Server) -> None:
    for path in ("/verify", "/verify/00000000-0000-0000-0000-000000000001", "/static/site.css"):
        response = requests.get(site.url + path, timeout=10)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src" not in response.headers["content-security-policy"]  # default 'none'
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_web_role_reads_but_cannot_write(web_settings_: Settings, issue: Issue) -> None:
    issue()
    engine = sa.create_engine(web_settings_.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM certificates")).scalar_one() == 1
            for statement in (
                "SELECT email FROM user_profiles",
                "SELECT * FROM event_outbox",
                "SELECT * FROM chain_transactions",
                "UPDATE certificates SET sha256 = sha256",
                "INSERT INTO certificate_revocations (enrollment_id, reason) VALUES"
                " (gen_random_uuid(), 'x')",
            ):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(sa.text(statement))
                conn.rollback()
    finally:
        engine.dispose()


def test_no_secret_reaches_the_page(issue: Issue, site: Server, settings: Settings) -> None:
    issued = issue()
    html = requests.get(f"{site.url}/verify/{issued.certificate.id}", timeout=10).text
    api = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).text
    assert site.site.settings.signer_private_key is None
    secrets = [API_TOKEN, "test-secret-key", "test-access-key", settings.database_url]
    assert settings.signer_private_key is not None
    secrets.append(settings.signer_private_key.get_secret_value().removeprefix("0x"))
    for secret in secrets:
        assert secret not in html
        assert secret not in api


def test_with_the_rpc_unreachable_the_page_shows_the_database_facts(
    issue: Issue, web_env: dict[str, str]
) -> None:
    issued = issue()
    down = load_settings({**web_env, "RPC_URL": f"http://127.0.0.1:{free_port()}"})
    with Server(down, free_port()) as server:
        page = requests.get(f"{server.url}/verify/{issued.certificate.id}", timeout=30)
        api = requests.get(f"{server.url}/api/certificates/{issued.certificate.id}", timeout=30)

    assert page.status_code == 200
    assert "Amélie Dubois" in page.text
    assert "Solidity Foundations Bootcamp" in page.text
    assert "The chain could not be reached now" in page.text
    body = api.json()
    statuses = {check["key"]: check["status"] for check in body["checks"]}
    assert statuses == {
        "record": "pass",
        "pdf": "pass",
        "key": "unknown",
        "attestation": "unknown",
        "revocation": "pass",
        "verdict": "unknown",
    }
    assert body["chain_reachable"] is False
    assert body["verdict"] == "unconfirmed"


def test_chain_reads_are_cached_briefly(
    issue: Issue,
    web_env: dict[str, str],
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> None:
    """A key expired on chain behind the site's back shows only once the cached read expires."""
    issued = issue()
    cached = load_settings({**web_env, "VERIFY_CACHE_SECONDS": "300"})
    uncached = load_settings({**web_env, "VERIFY_CACHE_SECONDS": "0"})
    with Server(cached, free_port()) as warm, Server(uncached, free_port()) as cold:
        path = f"/api/certificates/{issued.certificate.id}"
        assert _key_status(warm.url + path) == _key_status(cold.url + path) == "pass"
        token = valid_key_token(w3, dev_deployment.lock_address, issued.wallet)
        assert token is not None
        send_direct(w3, lock_manager, dev_deployment.lock_address, expire_key_calldata(token))

        assert _key_status(warm.url + path) == "pass"  # within VERIFY_CACHE_SECONDS
        assert _key_status(cold.url + path) == "fail"


def _key_status(url: str) -> str:
    checks = requests.get(url, timeout=10).json()["checks"]
    return str(next(check["status"] for check in checks if check["key"] == "key"))


def test_with_the_database_down_the_site_answers_503_not_500(
    issue: Issue, web_env: dict[str, str]
) -> None:
    issued = issue()
    down = load_settings(
        {**web_env, "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/none"}
    )
    with Server(down, free_port()) as server:
        page = requests.get(f"{server.url}/verify/{issued.certificate.id}", timeout=30)
        api = requests.get(f"{server.url}/api/certificates/{issued.certificate.id}", timeout=30)

    assert page.status_code == 503
    assert "temporarily unavailable" in page.text
    assert api.status_code == 503
    assert api.json() == {
        "error": "This service is temporarily unavailable. Please try again in a minute."
    }

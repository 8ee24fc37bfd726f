"""Tokens and keys as an attacker would try them: expired, forged, wrong audience or
issuer, not yet valid, unsigned; the JWKS refetched on a new kid but never flooded; rate
limits shared through Redis; the body cap; one log line per request without the key."""

from __future__ import annotations

import time

import jwt
import pytest
from structlog.testing import capture_logs

from chain.devnode import free_port
from tests.fixtures.database import wait_until
from tests.integration.api.conftest import ApiServer, Sign, StartApi, Tenant, bearer
from tests.integration.api.jwks import KeyPair, Provider, token

STATUS = "/cohorts/{cohort}/completion-status"


def _status(api: ApiServer, tenant: Tenant, value: str) -> int:
    path = STATUS.format(cohort=tenant.cohort)
    return api.http.get(path, headers=bearer(value)).status_code


def test_a_valid_token_passes(api: ApiServer, sign: Sign, tenants: dict[str, Tenant]) -> None:
    assert _status(api, tenants["alpha"], sign("alpha", "completed")) == 200


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "forged",
        "wrong_audience",
        "wrong_issuer",
        "not_yet_valid",
        "other_communitys_audience",
    ],
)
def test_bad_tokens_get_401(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], provider: Provider, case: str
) -> None:
    alpha = tenants["alpha"]
    now = int(time.time())
    forger = KeyPair("k1")  # same kid, a key the provider never published
    value = {
        "expired": lambda: sign("alpha", "completed", ttl=-3600),
        "forged": lambda: sign("alpha", "completed", key=forger),
        "wrong_audience": lambda: sign("alpha", "completed", aud="someone-else"),
        "wrong_issuer": lambda: sign("alpha", "completed", iss="https://evil.test"),
        "not_yet_valid": lambda: sign("alpha", "completed", nbf=now + 3600),
        # beta's audience with alpha's issuer: matches no community.
        "other_communitys_audience": lambda: sign(
            "alpha", "completed", aud=tenants["beta"].audience
        ),
    }[case]()

    assert _status(api, alpha, value) == 401


def test_unsigned_and_shared_secret_tokens_get_401(
    api: ApiServer, tenants: dict[str, Tenant], provider: Provider
) -> None:
    alpha = tenants["alpha"]
    claims = {
        "sub": alpha.subject("completed"),
        "iss": alpha.issuer,
        "aud": alpha.audience,
        "exp": int(time.time()) + 600,
    }
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": "k1"})
    public_pem = provider.keys[0].jwk()["n"]  # the public key as an HMAC secret
    hmac = jwt.encode(claims, public_pem, algorithm="HS256", headers={"kid": "k1"})

    assert _status(api, alpha, unsigned) == 401
    assert _status(api, alpha, hmac) == 401
    assert _status(api, alpha, "not.a.token") == 401


def test_unknown_kids_do_not_flood_the_jwks(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], provider: Provider
) -> None:
    alpha = tenants["alpha"]
    assert _status(api, alpha, sign("alpha", "completed")) == 200
    fetched = provider.fetches

    made_up = [_status(api, alpha, sign("alpha", "completed", kid=f"nope-{i}")) for i in range(20)]

    assert made_up == [401] * 20
    # Inside the 30 s cooldown after the first fetch, no made-up kid refetches the set.
    assert provider.fetches == fetched


def test_a_rotated_key_is_fetched_when_a_token_names_it(
    start_api: StartApi, sign: Sign, tenants: dict[str, Tenant], provider: Provider
) -> None:
    api = start_api(API_JWKS_MIN_REFRESH_SECONDS="0.2")
    alpha = tenants["alpha"]
    assert _status(api, alpha, sign("alpha", "completed")) == 200
    provider.keys.append(KeyPair("k2"))
    rotated = sign("alpha", "completed", key=provider.keys[1])

    # Refused while the cooldown lasts, accepted once it is over: the kid triggers a refetch.
    wait_until(lambda: _status(api, alpha, rotated) == 200, timeout=10, interval=0.1)
    assert provider.fetches >= 2


def test_the_key_limit_gives_429_with_retry_after_across_two_processes(
    start_api: StartApi, tenants: dict[str, Tenant]
) -> None:
    alpha = tenants["alpha"]
    first = start_api(API_KEY_RATE_LIMIT="4/minute", BROKER_NAMESPACE="shared-limits")
    second = start_api(API_KEY_RATE_LIMIT="4/minute", BROKER_NAMESPACE="shared-limits")
    path = f"/enrollments/{alpha.completed_enrollment}"

    codes = [
        server.http.get(path, headers=bearer(alpha.key)).status_code
        for server in (first, second, first, second)
    ]
    limited = second.http.get(path, headers=bearer(alpha.key))
    other_key = first.http.get(
        f"/enrollments/{tenants['beta'].completed_enrollment}", headers=bearer(tenants["beta"].key)
    )

    assert codes == [200] * 4
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other_key.status_code == 200


def test_the_learner_limit_gives_429(
    start_api: StartApi, sign: Sign, tenants: dict[str, Tenant]
) -> None:
    api = start_api(API_LEARNER_RATE_LIMIT="2/minute")
    alpha = tenants["alpha"]
    codes = [_status(api, alpha, sign("alpha", "completed")) for _ in range(3)]
    other_learner = _status(api, alpha, sign("alpha", "active"))

    assert codes == [200, 200, 429]
    assert other_learner == 200


def test_an_oversized_or_malformed_body_is_refused_before_it_is_read(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant]
) -> None:
    headers = bearer(sign("alpha", "completed"))
    big = api.http.post(
        "/certificates/claim",
        content=b'{"cohortId": "' + b"x" * 20_000 + b'"}',
        headers={**headers, "content-type": "application/json"},
    )
    not_json = api.http.post(
        "/certificates/claim",
        content=b"{nope",
        headers={**headers, "content-type": "application/json"},
    )
    long_id = api.http.post("/certificates/claim", json={"cohortId": "x" * 201}, headers=headers)

    assert big.status_code == 413
    assert big.json()["error"] == "too_large"
    assert not_json.status_code == 400
    assert long_id.status_code == 400


def test_each_request_is_logged_with_its_id_key_id_and_community_never_the_key(
    api: ApiServer, tenants: dict[str, Tenant]
) -> None:
    alpha = tenants["alpha"]
    with capture_logs() as logs:
        response = api.http.get(
            f"/enrollments/{alpha.completed_enrollment}",
            headers={**bearer(alpha.key), "X-Request-ID": "req-42"},
        )

    [line] = [entry for entry in logs if entry["event"] == "api.request"]
    assert response.headers["x-request-id"] == "req-42"
    assert line["request_id"] == "req-42"
    assert line["community"] == "alpha"
    assert line["status"] == 200
    assert line["key_id"] is not None
    assert alpha.key not in repr(logs)


def test_the_openapi_document_and_docs_page(api: ApiServer) -> None:
    document = api.http.get("/openapi.json").json()
    docs = api.http.get("/docs")

    assert {
        "/certificates/claim",
        "/cohorts/{cohort_id}/completion-status",
        "/certificates/retry-attestation",
        "/me/certificates",
        "/me/achievements",
        "/enrollments/{enrollment_id}",
        "/achievements",
        "/milestones/{milestone_id}/validations",
    } <= set(document["paths"])
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "appToken"}
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert api.http.get("/health").json() == {"status": "ok"}


def test_without_its_database_login_the_api_answers_404_but_health(
    start_api: StartApi, tenants: dict[str, Tenant]
) -> None:
    api = start_api(API_DATABASE_URL="")
    assert (
        api.http.get(
            f"/enrollments/{tenants['alpha'].completed_enrollment}",
            headers=bearer(tenants["alpha"].key),
        ).status_code
        == 404
    )
    assert api.http.get("/health").status_code == 200


def test_tokens_fail_closed_when_the_jwks_is_unreachable(
    api: ApiServer, tenants: dict[str, Tenant], provider: Provider
) -> None:
    alpha = tenants["alpha"]
    provider.close()
    value = token(
        provider.keys[0], sub=alpha.subject("completed"), iss=alpha.issuer, aud=alpha.audience
    )
    response = api.http.get(STATUS.format(cohort=alpha.cohort), headers=bearer(value))

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


def test_an_unreachable_rate_limiter_is_a_503_not_a_pass(
    start_api: StartApi, tenants: dict[str, Tenant]
) -> None:
    api = start_api(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    alpha = tenants["alpha"]

    response = api.http.get(f"/enrollments/{alpha.completed_enrollment}", headers=bearer(alpha.key))

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert response.headers["Retry-After"] == "30"

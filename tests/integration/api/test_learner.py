"""A learner's endpoints over real HTTP with the app's own JWTs: the source's claim,
completion status and retry, the learner's certificates and dashboard; never another
learner's or another community's."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.integration.api.conftest import ApiServer, Sign, Tenant, bearer

NOT_FOUND = {"error": "not_found", "message": "Enrollment not found"}


def outbox(engine: sa.Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT payload FROM event_outbox WHERE kind = :k ORDER BY id"), {"k": kind}
        )
        return [dict(row.payload) for row in rows]


def test_claim_of_own_completed_enrollment_is_requested_once(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    token = bearer(sign("alpha", "completed"))

    first = api.http.post("/certificates/claim", json={"cohortId": alpha.cohort}, headers=token)
    second = api.http.post("/certificates/claim", json={"cohortId": alpha.cohort}, headers=token)

    assert first.status_code == 200, first.text
    assert first.json()["claimRequested"] is True
    assert second.status_code == 409
    assert second.json() == {
        "error": "in_progress",
        "message": "Certificate claim already in progress. "
        "If stuck for more than 5 minutes, try again.",
    }
    events = outbox(admin_engine, "certificate.claim_requested")
    assert [e["enrollment_id"] for e in events] == [str(alpha.completed_enrollment)]


def test_a_learner_cannot_claim_another_learners_or_another_communitys_enrollment(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    # beta's completed learner asks for alpha's cohort; alpha's active learner for beta's.
    cross = api.http.post(
        "/certificates/claim",
        json={"cohortId": alpha.cohort},
        headers=bearer(sign("beta", "completed")),
    )
    other = api.http.post(
        "/certificates/claim",
        json={"cohortId": beta.cohort},
        headers=bearer(sign("alpha", "completed")),
    )
    unknown = api.http.post(
        "/certificates/claim",
        json={"cohortId": "no-such-cohort"},
        headers=bearer(sign("alpha", "completed")),
    )
    stranger = api.http.post(
        "/certificates/claim",
        json={"cohortId": alpha.cohort},
        headers=bearer(sign("alpha", "nobody")),
    )

    assert [r.status_code for r in (cross, other, unknown, stranger)] == [404] * 4
    assert cross.json() == other.json() == unknown.json() == stranger.json() == NOT_FOUND
    assert outbox(admin_engine, "certificate.claim_requested") == []


def test_claim_checks_in_the_sources_order(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], owner_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    active = bearer(sign("alpha", "active"))

    not_completed = api.http.post(
        "/certificates/claim", json={"cohortId": alpha.cohort}, headers=active
    )
    missing = api.http.post("/certificates/claim", json={}, headers=active)
    extra = api.http.post(
        "/certificates/claim", json={"cohortId": "x", "userId": "y"}, headers=active
    )
    with owner_engine.begin() as conn:
        conn.execute(sa.text("UPDATE bootcamp_programs SET lock_address = NULL"))
    not_configured = api.http.post(
        "/certificates/claim",
        json={"cohortId": alpha.cohort},
        headers=bearer(sign("alpha", "completed")),
    )
    with owner_engine.begin() as conn:
        conn.execute(sa.text("UPDATE certificate_flags SET certificates_enabled = false"))
    disabled_before_auth = api.http.post("/certificates/claim", json={"cohortId": alpha.cohort})

    assert not_completed.status_code == 403
    assert not_completed.json()["message"] == "Complete all milestones to claim certificate."
    assert (missing.status_code, missing.json()["message"]) == (400, "cohortId required")
    assert extra.status_code == 400
    assert not_configured.status_code == 400
    assert not_configured.json()["message"] == (
        "Certificate not configured yet - please try again later or contact support."
    )
    assert disabled_before_auth.status_code == 403
    assert disabled_before_auth.json() == {
        "error": "disabled",
        "message": "Certificate feature not enabled.",
    }


def test_completion_status_is_the_learners_own(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant]
) -> None:
    alpha = tenants["alpha"]
    path = f"/cohorts/{alpha.cohort}/completion-status"

    own = api.http.get(path, headers=bearer(sign("alpha", "completed")))
    other_community = api.http.get(path, headers=bearer(sign("beta", "completed")))

    assert own.status_code == 200
    body = own.json()
    assert body["isCompleted"] is True
    assert body["lockAddress"] == "0x" + "11" * 20
    assert body["certificate"]["issued"] is False
    assert other_community.status_code == 404
    assert other_community.json() == NOT_FOUND


def test_retry_attestation_asks_the_workers_once_per_attempt_and_is_rate_limited(
    start_api: object,
    sign: Sign,
    tenants: dict[str, Tenant],
    owner_engine: sa.Engine,
    admin_engine: sa.Engine,
) -> None:
    api = start_api(API_RETRY_RATE_LIMIT="3/hour")  # type: ignore[operator]
    alpha = tenants["alpha"]
    token = bearer(sign("alpha", "completed"))
    body = {"cohortId": alpha.cohort}

    no_key = api.http.post("/certificates/retry-attestation", json=body, headers=token)
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bootcamp_enrollments SET certificate_issued = true,"
                " certificate_tx_hash = :tx, certificate_attestation_failed_at = now()"
                " WHERE id = :id"
            ),
            {"tx": "0x" + "ab" * 32, "id": alpha.completed_enrollment},
        )
    first = api.http.post("/certificates/retry-attestation", json=body, headers=token)
    again = api.http.post("/certificates/retry-attestation", json=body, headers=token)
    limited = api.http.post("/certificates/retry-attestation", json=body, headers=token)

    assert (no_key.status_code, no_key.json()["message"]) == (409, "No certificate key found")
    assert first.status_code == again.status_code == 200
    assert first.json() == {"success": True, "found": False, "retryRequested": True}
    events = outbox(admin_engine, "certificate.attestation_retry_requested")
    assert events == [{"enrollment_id": str(alpha.completed_enrollment)}]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600


def test_me_certificates_lists_own_current_certificates_with_links(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], owner_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    cert_id = uuid.uuid4()
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO certificates (id, enrollment_id, version, object_key, sha256,"
                " size_bytes, attestation_uid) VALUES (:id, :e, 1, :k, :s, 10, NULL)"
            ),
            {
                "id": cert_id,
                "e": alpha.completed_enrollment,
                "k": f"c/{cert_id}.pdf",
                "s": "a" * 64,
            },
        )

    own = api.http.get("/me/certificates", headers=bearer(sign("alpha", "completed")))
    other = api.http.get("/me/certificates", headers=bearer(sign("alpha", "active")))
    beta = api.http.get("/me/certificates", headers=bearer(sign("beta", "completed")))

    assert own.status_code == 200
    [cert] = own.json()["certificates"]
    assert cert["id"] == str(cert_id)
    assert cert["state"] == "attestation_pending"
    assert cert["verify"].endswith(f"/verify/{cert_id}")
    assert cert["download"].endswith(f"/certificates/{cert_id}.pdf")
    assert other.json()["certificates"] == beta.json()["certificates"] == []


def test_me_achievements_is_the_learners_dashboard(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant]
) -> None:
    response = api.http.get("/me/achievements", headers=bearer(sign("alpha", "completed")))
    stranger = api.http.get("/me/achievements", headers=bearer(sign("alpha", "nobody")))

    assert response.status_code == 200
    assert response.json()["user_profile_id"] == str(tenants["alpha"].completed)
    assert {a["code"] for a in response.json()["achievements"]} >= {"first_milestone"}
    assert stranger.status_code == 404


def test_retry_attestation_of_another_communitys_cohort_is_not_found(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    response = api.http.post(
        "/certificates/retry-attestation",
        json={"cohortId": tenants["alpha"].cohort},
        headers=bearer(sign("beta", "completed")),
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert outbox(admin_engine, "certificate.attestation_retry_requested") == []

"""What an app reports for its learners' certificates over HTTP (issue 22): the learner's
language and an enrollment's score and custom field values. Another community's ids answer
exactly as unknown ones, and nothing of theirs changes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa

from tests.integration.api.conftest import ApiServer, Tenant, bearer
from tests.integration.helpers import rows


def test_an_app_sets_its_learners_locale_only(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    key = bearer(alpha.key)

    def put(learner: object, locale: object) -> tuple[int, object]:
        response = api.http.put(
            f"/learners/{learner}/certificate-locale", json={"locale": locale}, headers=key
        )
        return response.status_code, response.json()

    own = put(alpha.completed, "pt-BR")
    theirs = put(beta.completed, "ar")
    unknown = put(uuid.uuid4(), "ar")
    bad = put(alpha.active, "not a locale!")

    assert own == (200, {"userProfileId": str(alpha.completed), "locale": "pt-BR"})
    assert theirs == unknown == (404, {"error": "not_found", "message": "Learner not found"})
    assert bad[0] == 400
    stored = rows(
        admin_engine,
        "SELECT id, certificate_locale FROM user_profiles WHERE id = ANY(:ids)",
        ids=[alpha.completed, beta.completed, alpha.active],
    )
    assert {r.id: r.certificate_locale for r in stored} == {
        alpha.completed: "pt-BR",
        beta.completed: None,
        alpha.active: None,
    }


def test_an_app_reports_score_and_fields_for_its_enrollments_only(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    key = bearer(alpha.key)
    facts = {"score": "92.5", "outOf": 100, "fields": {"credits": "3 ECTS"}}

    own = api.http.put(
        f"/enrollments/{alpha.completed_enrollment}/certificate-facts", json=facts, headers=key
    )
    theirs = api.http.put(
        f"/enrollments/{beta.completed_enrollment}/certificate-facts", json=facts, headers=key
    )
    unknown = api.http.put(
        f"/enrollments/{uuid.uuid4()}/certificate-facts", json=facts, headers=key
    )
    no_score = api.http.put(
        f"/enrollments/{alpha.active_enrollment}/certificate-facts",
        json={"outOf": 100},
        headers=key,
    )

    assert own.status_code == 200, own.text
    assert own.json()["score"] == "92.5"
    assert theirs.status_code == unknown.status_code == 404
    assert (
        theirs.json() == unknown.json() == {"error": "not_found", "message": "Enrollment not found"}
    )
    assert no_score.status_code == 400
    stored = rows(
        admin_engine,
        "SELECT id, certificate_score, certificate_score_out_of, certificate_fields"
        " FROM bootcamp_enrollments WHERE id = ANY(:ids)",
        ids=[alpha.completed_enrollment, beta.completed_enrollment],
    )
    assert {r.id: tuple(r)[1:] for r in stored} == {
        alpha.completed_enrollment: (Decimal("92.50"), Decimal("100.00"), {"credits": "3 ECTS"}),
        beta.completed_enrollment: (None, None, {}),
    }


def test_a_missing_or_forged_key_changes_nothing(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    # The real key's prefix with one character of its secret changed.
    forged = bearer(alpha.key[:-1] + ("1" if alpha.key.endswith("0") else "0"))
    for headers in ({}, forged):
        locale = api.http.put(
            f"/learners/{alpha.completed}/certificate-locale",
            json={"locale": "ar"},
            headers=headers,
        )
        facts = api.http.put(
            f"/enrollments/{alpha.completed_enrollment}/certificate-facts",
            json={"score": "10"},
            headers=headers,
        )
        assert (locale.status_code, facts.status_code) == (401, 401)
    [learner] = rows(
        admin_engine,
        "SELECT certificate_locale FROM user_profiles WHERE id = :id",
        id=alpha.completed,
    )
    [enrollment] = rows(
        admin_engine,
        "SELECT certificate_score FROM bootcamp_enrollments WHERE id = :id",
        id=alpha.completed_enrollment,
    )
    assert (learner.certificate_locale, enrollment.certificate_score) == (None, None)

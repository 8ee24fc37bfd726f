"""An app's endpoints over real HTTP with its community's API key: every id of another
community answers exactly as an unknown id, and nothing of it changes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.integration.api.conftest import ApiServer, Sign, Tenant, bearer


def test_enrollment_status_of_own_community_only(
    api: ApiServer, tenants: dict[str, Tenant]
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    key = bearer(alpha.key)

    own = api.http.get(f"/enrollments/{alpha.completed_enrollment}", headers=key)
    theirs = api.http.get(f"/enrollments/{beta.completed_enrollment}", headers=key)
    unknown = api.http.get(f"/enrollments/{uuid.uuid4()}", headers=key)
    malformed = api.http.get("/enrollments/not-a-uuid", headers=key)

    assert own.status_code == 200
    assert own.json()["isCompleted"] is True
    assert theirs.status_code == unknown.status_code == 404
    assert (
        theirs.json() == unknown.json() == {"error": "not_found", "message": "Enrollment not found"}
    )
    assert malformed.status_code == 400


def test_keys_and_tokens_are_not_interchangeable_and_a_revoked_key_is_refused(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha = tenants["alpha"]
    path = f"/enrollments/{alpha.completed_enrollment}"
    assert api.http.get(path, headers=bearer(alpha.key)).status_code == 200

    no_key = api.http.get(path)
    token_for_app = api.http.get(path, headers=bearer(sign("alpha", "completed")))
    key_for_learner = api.http.get("/me/achievements", headers=bearer(alpha.key))
    wrong_secret = api.http.get(path, headers=bearer(alpha.key[:-4] + "AAAA"))
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_keys SET revoked_at = now() WHERE prefix = :p"),
            {"p": alpha.key_prefix},
        )
    revoked = api.http.get(path, headers=bearer(alpha.key))

    for response in (no_key, token_for_app, key_for_learner, wrong_secret, revoked):
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_completing_a_milestone_for_own_learners_and_milestones_only(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    key = bearer(alpha.key)

    done = api.http.post(
        f"/learners/{alpha.active}/milestones/{alpha.milestones[0]}/complete", headers=key
    )
    manual = api.http.post(
        f"/learners/{alpha.active}/milestones/{alpha.manual_milestone}/complete", headers=key
    )
    their_learner = api.http.post(
        f"/learners/{beta.active}/milestones/{alpha.milestones[0]}/complete", headers=key
    )
    their_milestone = api.http.post(
        f"/learners/{alpha.active}/milestones/{beta.milestones[0]}/complete", headers=key
    )

    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert manual.json()["status"] == "pending_validation"
    assert (their_learner.status_code, their_learner.json()["message"]) == (
        404,
        "Learner not found",
    )
    assert (their_milestone.status_code, their_milestone.json()["message"]) == (
        404,
        "Milestone not found",
    )
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT user_profile_id, milestone_id, status FROM user_milestone_progress"
                " ORDER BY milestone_id"
            )
        ).all()
    assert [(r.user_profile_id, r.milestone_id, r.status) for r in rows] == [
        (alpha.active, alpha.milestones[0], "completed"),
        (alpha.active, alpha.manual_milestone, "pending_validation"),
    ]


def test_recording_an_activity_for_own_learners_only(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    key = bearer(alpha.key)

    recorded = api.http.post(
        f"/learners/{alpha.active}/activities",
        json={"kind": "lesson", "data": {"lesson": 3}},
        headers=key,
    )
    theirs = api.http.post(
        f"/learners/{beta.active}/activities", json={"kind": "lesson"}, headers=key
    )
    reserved = api.http.post(
        f"/learners/{alpha.active}/activities", json={"kind": "any"}, headers=key
    )
    too_long = api.http.post(
        f"/learners/{alpha.active}/activities", json={"kind": "x" * 65}, headers=key
    )

    assert recorded.status_code == 201
    assert theirs.status_code == 404
    assert reserved.status_code == 400
    assert reserved.json()["message"] == (
        "Activity kind must be a non-empty name other than \"any\", got 'any'"
    )
    assert too_long.status_code == 400
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT user_profile_id, activity_type FROM user_activities")
        ).all()
    assert [(r.user_profile_id, r.activity_type) for r in rows] == [(alpha.active, "lesson")]


def test_a_learners_certificates_for_own_community_only(
    api: ApiServer, tenants: dict[str, Tenant]
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    own = api.http.get(f"/learners/{alpha.completed}/certificates", headers=bearer(alpha.key))
    theirs = api.http.get(f"/learners/{beta.completed}/certificates", headers=bearer(alpha.key))

    assert own.status_code == 200
    assert own.json() == {"userProfileId": str(alpha.completed), "certificates": []}
    assert theirs.status_code == 404


def test_the_catalog_is_the_communitys_with_the_criteria_rules(
    api: ApiServer, tenants: dict[str, Tenant], admin_engine: sa.Engine
) -> None:
    alpha, beta = tenants["alpha"], tenants["beta"]
    new = {
        "code": "alpha_lessons_3",
        "name": "Three lessons",
        "description": "Study three lessons",
        "achievement_type": "participation",
        "category": "Course",
        "tier": "bronze",
        "points": 10,
        "criteria": {"type": "activities", "count": 3, "activity_kind": "lesson"},
    }
    created = api.http.post("/achievements", json=new, headers=bearer(alpha.key))
    duplicate = api.http.post("/achievements", json=new, headers=bearer(alpha.key))
    bad = api.http.post(
        "/achievements",
        json={**new, "code": "bad_one", "criteria": {"type": "activities"}},
        headers=bearer(alpha.key),
    )
    achievement_id = created.json()["id"]
    by_beta = api.http.patch(
        f"/achievements/{achievement_id}", json={"points": 99}, headers=bearer(beta.key)
    )
    changed = api.http.patch(
        f"/achievements/{achievement_id}", json={"points": 20}, headers=bearer(alpha.key)
    )
    with admin_engine.connect() as conn:
        global_id = conn.execute(
            sa.text("SELECT id FROM achievements WHERE code = 'first_milestone'")
        ).scalar_one()
    global_change = api.http.patch(
        f"/achievements/{global_id}", json={"points": 0}, headers=bearer(alpha.key)
    )
    beta_list = api.http.get("/achievements", headers=bearer(beta.key)).json()["achievements"]
    alpha_own = api.http.get("/achievements?include_global=false", headers=bearer(alpha.key))
    deactivated = api.http.delete(f"/achievements/{achievement_id}", headers=bearer(alpha.key))

    assert created.status_code == 201, created.text
    assert created.json()["community_id"] == "alpha"
    assert duplicate.status_code == 409
    assert bad.status_code == 400
    assert (
        bad.json()["message"]
        == 'Invalid criteria for achievement "bad_one": activities criteria need "count"'
    )
    assert by_beta.status_code == global_change.status_code == 404
    assert changed.json()["points"] == 20
    assert "alpha_lessons_3" not in {a["code"] for a in beta_list}
    assert "first_milestone" in {a["code"] for a in beta_list}
    assert [a["code"] for a in alpha_own.json()["achievements"]] == ["alpha_lessons_3"]
    assert deactivated.json()["is_active"] is False
    with admin_engine.connect() as conn:
        points = conn.execute(
            sa.text("SELECT points FROM achievements WHERE id = :id"), {"id": global_id}
        ).scalar_one()
    assert points == 10


def test_an_instructor_validates_submissions_of_their_cohorts_only(
    api: ApiServer, sign: Sign, tenants: dict[str, Tenant]
) -> None:
    alpha = tenants["alpha"]
    api.http.post(
        f"/learners/{alpha.active}/milestones/{alpha.manual_milestone}/complete",
        headers=bearer(alpha.key),
    )
    path = f"/milestones/{alpha.manual_milestone}/validations"
    body = {"userProfileId": str(alpha.active), "approved": True, "note": "well done"}

    by_learner = api.http.post(path, json=body, headers=bearer(sign("alpha", "completed")))
    by_beta_instructor = api.http.post(path, json=body, headers=bearer(sign("beta", "instructor")))
    approved = api.http.post(path, json=body, headers=bearer(sign("alpha", "instructor")))
    again = api.http.post(path, json=body, headers=bearer(sign("alpha", "instructor")))

    assert by_learner.status_code == by_beta_instructor.status_code == 404
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "completed"
    assert approved.json()["validated_by"] == str(alpha.instructor)
    assert again.status_code == 404

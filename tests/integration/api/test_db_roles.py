"""The API's login as the database sees it: by itself it reads keys and token settings and
nothing else (certflow_api is NOINHERIT); after a request takes a role, that role's grants
and row-level security decide, whatever the login is a member of."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from db import api as db_api
from tests.integration.api.conftest import Tenant


@pytest.fixture
def api_engine(database_urls: dict[str, str]) -> Iterator[sa.Engine]:
    url = database_urls["api"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def test_the_login_alone_reads_no_learner_data(
    api_engine: sa.Engine, tenants: dict[str, Tenant]
) -> None:
    with api_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM api_keys")).scalar_one() == 2
        with pytest.raises(sa_exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("SELECT count(*) FROM bootcamp_enrollments"))


def test_a_learners_transaction_sees_only_their_enrollment_and_an_apps_its_community(
    api_engine: sa.Engine, tenants: dict[str, Tenant]
) -> None:
    alpha = tenants["alpha"]
    count = sa.text("SELECT count(*) FROM bootcamp_enrollments")
    with api_engine.begin() as conn:
        profile = db_api.become(conn, "alpha", alpha.subject("completed"), "learner")
        role = conn.execute(sa.text("SELECT current_user")).scalar_one()
        as_learner = conn.execute(count).scalar_one()
    with api_engine.begin() as conn:
        db_api.act_as_app(conn, "alpha")
        as_app = conn.execute(count).scalar_one()
        with pytest.raises(sa_exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("UPDATE user_milestone_progress SET validated_by = NULL"))
    with api_engine.connect() as conn:
        after = conn.execute(sa.text("SELECT current_user")).scalar_one()

    assert profile.user_profile_id == alpha.completed
    assert role == "certflow_learner"
    assert as_learner == 1
    assert as_app == 2  # alpha's two enrollments, none of beta's
    assert after == "certflow_test_api"  # SET LOCAL: the role ends with the transaction

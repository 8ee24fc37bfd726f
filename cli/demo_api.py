"""The demo's claims through the HTTP API: a dev identity provider (its JWKS on
localhost), the API's own login, and each learner claiming with their token.

Imported only when ``certflow demo`` runs.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.error import HTTPError

import psycopg
import sqlalchemy as sa
from psycopg import sql

from certflow.settings import Settings
from cli.dev_identity import DevIdentity
from db import seed
from db.community_auth import CommunityAuth, save
from db.engine import transaction

#: The demo's API login (a member of certflow_api, as a deployment creates one).
LOGIN = "certflow_demo_api"
COMMUNITY = "default"


def api_login(settings: Settings, database_url: str) -> str:
    """The API's database URL: the demo's database as a login of certflow_api."""
    admin = psycopg.conninfo.make_conninfo(settings.libpq_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (LOGIN,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(LOGIN)))
        conn.execute(sql.SQL("GRANT certflow_api TO {}").format(sql.Identifier(LOGIN)))
    url = sa.engine.make_url(database_url).set(username=LOGIN, password=None)
    return url.render_as_string(hide_password=False)


def subjects(engine: sa.Engine, cohort: seed.Cohort, idp: DevIdentity) -> dict[str, str]:
    """Each learner's subject in the app's tokens (user_profiles.privy_user_id), and the
    community's token settings pointing at the dev identity provider."""
    named = {str(user): f"did:demo:{user}" for user in cohort.learners}
    with transaction(engine) as conn:
        for user, subject in named.items():
            conn.execute(
                sa.text("UPDATE user_profiles SET privy_user_id = :s WHERE id = :u"),
                {"s": subject, "u": user},
            )
        save(conn, CommunityAuth(COMMUNITY, idp.jwks_url, idp.issuer, idp.audience))
    return named


def claim_completed(
    site_url: str, cohort: seed.Cohort, idp: DevIdentity, named: dict[str, str]
) -> dict[int, int]:
    """POST /api/v1/certificates/claim for every learner, with the learner's own token:
    the completed ones are claimed; the one who stopped short gets the source's 403."""
    statuses: dict[int, int] = {}
    for user in cohort.learners:
        status = _claim(site_url, cohort.cohort_id, idp.token(named[str(user)]))
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def _claim(site_url: str, cohort_id: str, token: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the demo's own site
        f"{site_url}/api/v1/certificates/claim",
        data=json.dumps({"cohortId": cohort_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except HTTPError as exc:
        return int(exc.code)

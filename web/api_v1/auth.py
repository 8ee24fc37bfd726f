"""Who is calling, as FastAPI dependencies that hold the request's transaction.

An app presents an API key; a learner or an instructor presents the app's own
JWT. Each dependency checks the credential, counts the request against the
caller's rate limit, then takes the caller's role and community for the rest
of the transaction (db/api.py), which the route uses. The checks run in the
source's order: the feature flag (certificate endpoints), then 401, then 429,
then the route's own 400/404/... checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

import sqlalchemy as sa
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from db import api as db_api
from db import api_keys
from db.engine import transaction
from web.api_v1.context import ApiContext, api_of
from web.api_v1.errors import ApiError, unauthorized
from web.api_v1.tokens import Identity, InvalidToken, JwksUnavailable

log = structlog.get_logger("certflow.api")

DISABLED = "Certificate feature not enabled."

#: Declares the bearer schemes in the OpenAPI document (the docs page's "Authorize");
#: the checks themselves are below.
_api_key = HTTPBearer(
    scheme_name="apiKey", description="An API key of the community (cfk_…)", auto_error=False
)
_token = HTTPBearer(
    scheme_name="appToken", description="The app's JWT of a learner or instructor", auto_error=False
)
KeyHeader = Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)]
TokenHeader = Annotated[HTTPAuthorizationCredentials | None, Depends(_token)]


@dataclass(frozen=True)
class AppCaller:
    key_id: UUID
    community_id: str
    conn: sa.Connection


@dataclass(frozen=True)
class PersonCaller:
    identity: Identity
    #: None when no profile of the community has the token's subject: then the
    #: role still applies with no person, and every lookup finds nothing.
    user_profile_id: UUID | None
    conn: sa.Connection


def bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip() or len(value) > 8192:
        raise unauthorized()
    return value.strip()


def app_session(request: Request, _: KeyHeader) -> Iterator[AppCaller]:
    api = api_of(request)
    key = bearer(request)
    if not key.startswith(api_keys.PREFIX):
        raise unauthorized("An API key is required")
    with transaction(api.engine) as conn:
        owner = api_keys.owner(conn, key)
        if owner is None:
            raise unauthorized("Invalid or revoked API key")
        request.state.key_id, request.state.community = str(owner.key_id), owner.community_id
        request.state.caller = "app"
        api.limits.hit(api.limits.per_key, "key", str(owner.key_id))
        db_api.act_as_app(conn, owner.community_id)
        yield AppCaller(owner.key_id, owner.community_id, conn)


def _person(
    request: Request, person: db_api.Person, *, certificate_endpoint: bool
) -> Iterator[PersonCaller]:
    """The source's order: the feature flag (certificate endpoints) before the token. The
    flag is read with the person's profile when the token is good (one round trip less),
    on its own when it is not."""
    api = api_of(request)
    try:
        # Before a connection is taken: a slow JWKS must not hold the pool.
        identity = _identify(api, request)
    except (ApiError, JwksUnavailable):
        if certificate_endpoint:
            with transaction(api.engine) as conn:
                enabled = db_api.certificates_enabled(conn)
            if not enabled:
                raise ApiError(403, "disabled", DISABLED) from None
        raise
    request.state.community, request.state.caller = identity.community_id, person
    with transaction(api.engine) as conn:
        became = db_api.become(conn, identity.community_id, identity.subject, person)
        if certificate_endpoint and not became.certificates_enabled:
            raise ApiError(403, "disabled", DISABLED)
        api.limits.hit(api.limits.per_learner, person, identity.community_id, identity.subject)
        yield PersonCaller(identity, became.user_profile_id, conn)


def _identify(api: ApiContext, request: Request) -> Identity:
    token = bearer(request)
    if token.startswith(api_keys.PREFIX):
        raise unauthorized("A learner's token is required")
    try:
        return api.tokens.identify(token)
    except InvalidToken as exc:
        log.info("api.token_refused", reason=str(exc), request_id=request.state.request_id)
        raise unauthorized() from None


def learner_certificate_session(request: Request, _: TokenHeader) -> Iterator[PersonCaller]:
    yield from _person(request, "learner", certificate_endpoint=True)


def learner_session(request: Request, _: TokenHeader) -> Iterator[PersonCaller]:
    yield from _person(request, "learner", certificate_endpoint=False)


def instructor_session(request: Request, _: TokenHeader) -> Iterator[PersonCaller]:
    yield from _person(request, "instructor", certificate_endpoint=False)


# scope="function": the transaction commits before the response is sent (the default,
# "request", would commit after it: a client could act on an answer not yet committed).
App = Annotated[AppCaller, Depends(app_session, scope="function")]
Learner = Annotated[PersonCaller, Depends(learner_session, scope="function")]
CertificateLearner = Annotated[PersonCaller, Depends(learner_certificate_session, scope="function")]
Instructor = Annotated[PersonCaller, Depends(instructor_session, scope="function")]

"""Learners' and instructors' tokens: the app's own JWTs, verified with PyJWT against the
JWKS of the community whose (issuer, audience) the token names.

The JWKS of each community is one ``PyJWKClient``: its key set is cached for
API_JWKS_CACHE_SECONDS, and a token signed with a ``kid`` it does not know
refetches it at most once per API_JWKS_MIN_REFRESH_SECONDS (PyJWT's cooldown),
so tokens with made-up kids cannot turn into a flood of requests to the provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from certflow.errors import TransientError
from certflow.settings import Settings
from db.community_auth import CommunityAuth

#: Asymmetric algorithms only: never "none", never a shared secret (HS*), whose key
#: would be the public JWKS.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"}
)
MAX_SUBJECT = 200


class InvalidToken(Exception):
    """The token is not one of a configured community's (the message says why, for logs)."""


class JwksUnavailable(TransientError):
    """The community's JWKS could not be fetched: tokens cannot be checked now."""


@dataclass(frozen=True)
class Identity:
    community_id: str
    subject: str


class TokenVerifier:
    def __init__(self, settings: Settings, load: Callable[[], list[CommunityAuth]]) -> None:
        self.settings = settings
        self._load = load
        self._configs: dict[tuple[str, str], CommunityAuth] = {}
        self._loaded_at = -float("inf")
        self._clients: dict[str, jwt.PyJWKClient] = {}
        self._lock = threading.Lock()

    def identify(self, token: str) -> Identity:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed: {exc}") from None
        config = self._config_for(unverified.get("iss"), unverified.get("aud"))
        key = self._signing_key(config, header.get("kid"))
        if key.algorithm_name not in ALGORITHMS or header.get("alg") != key.algorithm_name:
            raise InvalidToken("algorithm not allowed")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=config.audience,
                issuer=config.issuer,
                leeway=self.settings.api_jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from None
        subject = claims.get(config.subject_claim)
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
            raise InvalidToken(f"no usable {config.subject_claim!r} claim")
        return Identity(config.community_id, subject)

    def _config_for(self, issuer: object, audience: object) -> CommunityAuth:
        audiences = audience if isinstance(audience, list) else [audience]
        configs = self._configs_now()
        for aud in audiences:
            if isinstance(issuer, str) and isinstance(aud, str) and (issuer, aud) in configs:
                return configs[(issuer, aud)]
        raise InvalidToken("no community has this issuer and audience")

    def _configs_now(self) -> dict[tuple[str, str], CommunityAuth]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self.settings.api_auth_cache_seconds:
                self._configs = {(c.issuer, c.audience): c for c in self._load()}
                self._loaded_at = time.monotonic()
            return self._configs

    def _client(self, url: str) -> jwt.PyJWKClient:
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                client = jwt.PyJWKClient(
                    url,
                    cache_jwk_set=True,
                    lifespan=self.settings.api_jwks_cache_seconds,
                    cooldown_duration=self.settings.api_jwks_min_refresh_seconds,
                    timeout=5,
                )
                self._clients[url] = client
            return client

    def _signing_key(self, config: CommunityAuth, kid: object) -> jwt.PyJWK:
        client = self._client(config.jwks_url)
        try:
            if isinstance(kid, str) and kid:
                return client.get_signing_key(kid)
            keys = client.get_signing_keys()
        except jwt.PyJWKClientConnectionError as exc:
            raise JwksUnavailable(f"{JwksUnavailable.__doc__} ({config.community_id})") from exc
        except jwt.PyJWKClientError as exc:
            raise InvalidToken(str(exc)) from None
        if len(keys) != 1:
            raise InvalidToken("no kid, and the JWKS has more than one key")
        return keys[0]

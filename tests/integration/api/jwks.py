"""The test's identity provider: its own RSA keys, a JWKS served over real HTTP (counting
fetches), and tokens signed with PyJWT."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class KeyPair:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}


class Provider:
    """A JWKS at http://127.0.0.1:<port>/jwks.json; ``keys`` is what it publishes now."""

    def __init__(self) -> None:
        self.keys = [KeyPair("k1")]
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                payload = json.dumps({"keys": [k.jwk() for k in provider.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def token(
    key: KeyPair,
    *,
    sub: str,
    iss: str,
    aud: str,
    ttl: int = 600,
    nbf: int | None = None,
    kid: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "iss": iss, "aud": aud, "iat": now, "exp": now + ttl}
    if nbf is not None:
        claims["nbf"] = nbf
    headers = {"kid": kid or key.kid}
    return jwt.encode({**claims, **(extra or {})}, key.private, algorithm="RS256", headers=headers)

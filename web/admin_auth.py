"""Who is signed in to the admin pages, with which role, and the CSRF token of their forms.

Two ways in: a configured user (``ADMIN_USERS``, scrypt hashes) who signs in
and gets a server-side session (``db.admin_sessions``: the cookie holds only a
random token; signing out deletes the row), or a trusted reverse proxy's
header (``ADMIN_PROXY_HEADER``, dropped at the door unless it comes from
``ADMIN_TRUSTED_PROXIES``: ``web.proxies``). ``admin`` may act, ``viewer`` sees
everything and every action is refused.

Before sign-in there is no session: the sign-in form's CSRF token is an HMAC
(``WEB_SESSION_SECRET``) of a random nonce kept in a cookie of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from certflow.settings import Settings
from db import admin_sessions
from db.admin_sessions import Session
from web.passwords import AdminUser, Role, check_password, hash_password, parse_users

#: Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("certflow-no-such-user", salt=b"\0" * 16)
COOKIE = "certflow_admin"
LOGIN_COOKIE = "certflow_admin_login"
SESSION_SECONDS = 8 * 3600
_NONE = object()


class LoginRequired(Exception):
    """No admin is signed in: the app answers with the login page (or 401 for a form post)."""


@dataclass(frozen=True)
class Admin:
    name: str
    role: Role

    @property
    def can_act(self) -> bool:
        return self.role == "admin"


class Gate:
    def __init__(self, settings: Settings, engine: sa.Engine) -> None:
        users = settings.admin_users.get_secret_value() if settings.admin_users else ""
        self.users: dict[str, AdminUser] = parse_users(users)
        self.engine = engine
        self.proxy_header = settings.admin_proxy_header
        self.proxy_admins = {n.strip() for n in settings.admin_proxy_admins.split(",") if n}
        secret = settings.web_session_secret
        self.secret = (secret.get_secret_value() if secret else secrets.token_hex(32)).encode()
        self.https = settings.verify_base_url.startswith("https://")

    def login(self, name: str, password: str) -> Admin | None:
        user = self.users.get(name)
        matches = check_password(password, user.password_hash if user else _DUMMY_HASH)
        return Admin(user.name, user.role) if user and matches else None

    def session(self, request: Request) -> Session | None:
        """The request's live session (looked up once per request), or None."""
        found = getattr(request.state, "admin_session", _NONE)
        if found is _NONE:
            token = request.cookies.get(COOKIE, "")
            found = admin_sessions.find(self.engine, token) if 0 < len(token) <= 128 else None
            request.state.admin_session = found
        return found if isinstance(found, Session) else None

    def current(self, request: Request) -> Admin | None:
        if self.proxy_header:
            proxied = request.headers.get(self.proxy_header, "").strip()
            if proxied:
                return Admin(proxied, "admin" if proxied in self.proxy_admins else "viewer")
        session = self.session(request)
        user = self.users.get(session.admin) if session else None
        # The role is read from the configuration on every request: a demoted user
        # loses the admin role at once, not when the session ends.
        return Admin(user.name, user.role) if user else None

    def require(self, request: Request) -> Admin:
        admin = self.current(request)
        if admin is None:
            raise LoginRequired()
        return admin

    def sign_in(self, request: Request, response: Response, admin: Admin) -> None:
        """A new session with a new token (and CSRF token); the one the browser had ends."""
        old = request.cookies.get(COOKIE)
        if old:
            admin_sessions.end(self.engine, old)
        session = admin_sessions.start(self.engine, admin.name, SESSION_SECONDS)
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=SESSION_SECONDS,
            path="/admin",
            httponly=True,
            samesite="strict",
            secure=self._secure(request),
        )
        response.delete_cookie(LOGIN_COOKIE, path="/admin/login")

    def sign_out(self, request: Request, response: Response) -> None:
        token = request.cookies.get(COOKIE)
        if token:
            admin_sessions.end(self.engine, token)
        response.delete_cookie(COOKIE, path="/admin")

    def csrf_token(self, request: Request) -> str:
        session = self.session(request)
        if session is not None:
            return session.csrf
        nonce = request.cookies.get(LOGIN_COOKIE) or getattr(request.state, "login_nonce", "")
        if not nonce:
            nonce = request.state.login_nonce = secrets.token_urlsafe(32)
        return self._login_token(nonce)

    def keep_login_nonce(self, request: Request, response: Response) -> None:
        """Set the sign-in form's nonce cookie when this request made one."""
        nonce = getattr(request.state, "login_nonce", "")
        if nonce:
            response.set_cookie(
                LOGIN_COOKIE,
                nonce,
                path="/admin/login",
                httponly=True,
                samesite="strict",
                secure=self._secure(request),
            )

    def check_csrf(self, request: Request, submitted: str) -> None:
        session = self.session(request)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if session is not None:
            expected = session.csrf
        else:
            expected = self._login_token(nonce) if nonce else ""
        if not expected or not hmac.compare_digest(expected, submitted):
            raise HTTPException(403, "This form has expired. Reload the page and try again.")

    def _login_token(self, nonce: str) -> str:
        return hmac.new(self.secret, b"sign-in:" + nonce.encode(), hashlib.sha256).hexdigest()

    def _secure(self, request: Request) -> bool:
        return self.https or request.url.scheme == "https"

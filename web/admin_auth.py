"""Who is signed in to the admin pages, with which role, and the CSRF token of their forms.

Two ways in: a configured user (``ADMIN_USERS``, scrypt hashes) who signs in
and gets a signed session cookie, or a trusted reverse proxy's header
(``ADMIN_PROXY_HEADER``, only when configured). ``admin`` may act, ``viewer``
sees everything and every action is refused.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.exceptions import HTTPException

from certflow.settings import Settings
from web.passwords import AdminUser, Role, check_password, hash_password, parse_users

#: Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("certflow-no-such-user", salt=b"\0" * 16)


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
    def __init__(self, settings: Settings) -> None:
        users = settings.admin_users.get_secret_value() if settings.admin_users else ""
        self.users: dict[str, AdminUser] = parse_users(users)
        self.proxy_header = settings.admin_proxy_header
        self.proxy_admins = {n.strip() for n in settings.admin_proxy_admins.split(",") if n}

    def login(self, name: str, password: str) -> Admin | None:
        user = self.users.get(name)
        matches = check_password(password, user.password_hash if user else _DUMMY_HASH)
        return Admin(user.name, user.role) if user and matches else None

    def current(self, request: Request) -> Admin | None:
        if self.proxy_header:
            proxied = request.headers.get(self.proxy_header, "").strip()
            if proxied:
                return Admin(proxied, "admin" if proxied in self.proxy_admins else "viewer")
        name = request.session.get("admin")
        user = self.users.get(name) if isinstance(name, str) else None
        # The role is read from the configuration on every request: a demoted user
        # loses the admin role at once, not when the cookie expires.
        return Admin(user.name, user.role) if user else None

    def require(self, request: Request) -> Admin:
        admin = self.current(request)
        if admin is None:
            raise LoginRequired()
        return admin


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str) -> None:
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, submitted):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")


def sign_in(request: Request, admin: Admin) -> None:
    """A fresh session for the signed-in admin (a new CSRF token too)."""
    request.session.clear()
    request.session["admin"] = admin.name
    csrf_token(request)

"""What the admin pages share: the admin role's engine, the gate, and audited actions.

Built only when ``ADMIN_DATABASE_URL`` is set; otherwise every admin URL is a 404.
The public pages never use this engine: they keep the read-only role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from starlette.exceptions import HTTPException

from certflow.errors import AdminRefused
from certflow.settings import Settings
from db.audit import Action, audited, record
from db.engine import make_engine, transaction
from web.admin_auth import Admin, Gate
from web.sign_in_limits import SignInLimits


@dataclass
class AdminSite:
    settings: Settings
    engine: sa.Engine
    gate: Gate
    limits: SignInLimits

    @classmethod
    def build(cls, settings: Settings) -> AdminSite | None:
        if settings.admin_database_url is None:
            return None
        url = settings.admin_database_url.get_secret_value()
        engine = make_engine(settings.model_copy(update={"database_url": url}), pool_size=2)
        return cls(settings, engine, Gate(settings, engine), SignInLimits(settings))

    @contextmanager
    def action(
        self, admin: Admin, command: str, *, changes: bool = True, **arguments: Any
    ) -> Iterator[Action]:
        """An audited web action (via "web", the signed-in admin as actor). A viewer's
        attempt at one that ``changes`` something is refused with a 403, and audited."""
        action = Action(actor=admin.name, via="web", command=command, arguments=arguments)
        try:
            with audited(self.engine, action):
                if changes and not admin.can_act:
                    raise AdminRefused(f"{admin.name} has the read-only viewer role")
                yield action
        except AdminRefused as exc:
            raise HTTPException(403 if not admin.can_act else 400, exc.user_message) from None

    def record_sign_in(self, name: str, address: str, signed_in: bool) -> None:
        """A sign-in, or a wrong name or password, in the audit trail (an attempt over a
        limit is only logged: it is never checked, and would let anyone fill the table)."""
        action = Action(
            actor=name[:200],
            via="web",
            command="admin sign-in",
            arguments={"address": address},
            outcome="ok" if signed_in else "refused",
            result=None if signed_in else {"error": "Wrong name or password"},
        )
        with transaction(self.engine) as conn:
            record(conn, action)

    def close(self) -> None:
        self.engine.dispose()


class AdminConsoleOff(Exception):
    """ADMIN_DATABASE_URL is not set: every admin URL says so (a 404) and how to turn it on."""


def admin_site_of(request: Request) -> AdminSite:
    admin: AdminSite | None = request.app.state.admin
    if admin is None:
        raise AdminConsoleOff()
    return admin

"""/admin/webhooks over real HTTP: refused without a sign-in, endpoints with their state and
reason, deliveries filtered by status; the replay form needs its CSRF token, is audited,
and is refused (and audited) for a viewer."""

from __future__ import annotations

import requests
import sqlalchemy as sa

from tests.integration.helpers import rows
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import _signed_in, admin_site, admin_web_settings
from tests.integration.web.webhook_rows import GONE, webhook_rows

__all__ = ["admin_site", "admin_web_settings"]  # fixtures, shared with the HTTP tests


def status_of(engine: sa.Engine, delivery_id: str) -> tuple[str, int]:
    [row] = rows(
        engine,
        "SELECT status, replay_count FROM webhook_deliveries WHERE id = :id",
        id=delivery_id,
    )
    return row.status, row.replay_count


def test_without_a_sign_in_the_page_and_the_replay_are_refused(
    admin_site: Server, engine: sa.Engine
) -> None:
    hooks = webhook_rows(engine)

    page = requests.get(admin_site.url + "/admin/webhooks", allow_redirects=False, timeout=10)
    posted = requests.post(
        f"{admin_site.url}/admin/webhooks/deliveries/{hooks.failed}/replay",
        data={"csrf": "x"},
        allow_redirects=False,
        timeout=10,
    )

    assert (page.status_code, page.headers["location"]) == (303, "/admin/login")
    assert posted.status_code == 401
    assert status_of(engine, hooks.failed) == ("failed", 0)


def test_the_page_shows_endpoints_and_filters_deliveries_by_status(
    admin_site: Server, engine: sa.Engine
) -> None:
    hooks = webhook_rows(engine)
    session, _ = _signed_in(admin_site, "ada")

    every = session.get(admin_site.url + "/admin/webhooks", timeout=10)
    failed = session.get(admin_site.url + "/admin/webhooks?status=failed", timeout=10)
    one = session.get(f"{admin_site.url}/admin/webhooks?endpoint={hooks.working}", timeout=10)
    bad = session.get(admin_site.url + "/admin/webhooks?status=lost", timeout=10)

    assert every.status_code == 200
    assert "disabled since" in every.text
    assert GONE in every.text
    for delivery in (hooks.delivered, hooks.failed, hooks.pending):
        assert f'data-id="{delivery}"' in every.text
    assert f'data-id="{hooks.failed}"' in failed.text
    assert f'data-id="{hooks.delivered}"' not in failed.text
    assert failed.text.count('class="replay"') == 1
    assert f'data-id="{hooks.failed}"' not in one.text  # the gone endpoint's
    assert bad.status_code == 400


def test_replay_needs_the_forms_token_and_is_audited(admin_site: Server, engine: sa.Engine) -> None:
    hooks = webhook_rows(engine)
    session, token = _signed_in(admin_site, "ada")
    url = f"{admin_site.url}/admin/webhooks/deliveries/{hooks.failed}/replay"

    forged = session.post(url, data={"csrf": "forged"}, timeout=10)
    assert forged.status_code == 403
    assert status_of(engine, hooks.failed) == ("failed", 0)

    done = session.post(url, data={"csrf": token}, timeout=10)
    again = session.post(url, data={"csrf": token}, timeout=10)

    assert done.status_code == 200
    assert f"Replaying delivery {hooks.failed}" in done.text
    assert status_of(engine, hooks.failed) == ("pending", 1)
    assert again.status_code == 400  # pending now: only a failed delivery is replayed
    audit = rows(
        engine,
        "SELECT actor, via, command, outcome, arguments FROM admin_audit"
        " WHERE command = 'webhooks replay' ORDER BY id",
    )
    assert [(a.actor, a.via, a.outcome) for a in audit] == [
        ("ada", "web", "ok"),
        ("ada", "web", "refused"),
    ]
    assert audit[0].arguments == {"id": hooks.failed}
    queued = rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'webhook.resend'")
    assert [q.payload for q in queued] == [{"delivery_ids": [hooks.failed]}]


def test_a_viewer_sees_the_page_and_cannot_replay(admin_site: Server, engine: sa.Engine) -> None:
    hooks = webhook_rows(engine)
    session, token = _signed_in(admin_site, "vic")

    page = session.get(admin_site.url + "/admin/webhooks?status=failed", timeout=10)
    refused = session.post(
        f"{admin_site.url}/admin/webhooks/deliveries/{hooks.failed}/replay",
        data={"csrf": token},
        timeout=10,
    )

    assert page.status_code == 200
    assert refused.status_code == 403
    assert "read-only viewer role" in refused.text
    assert status_of(engine, hooks.failed) == ("failed", 0)
    audit = rows(engine, "SELECT actor, outcome FROM admin_audit WHERE command = 'webhooks replay'")
    assert [(a.actor, a.outcome) for a in audit] == [("vic", "refused")]

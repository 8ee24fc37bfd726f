"""The name on a certificate: display name, else username, else the short wallet; an
admin re-renders after a name change as a new version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from issuance.certificates.certificate_pdf import rerender
from render.storage import ObjectStore
from tests.fixtures.database import wait_until
from tests.integration.certificates_pdf.conftest import (
    certificate_rows,
    emit,
    pdftotext,
    settled_learner,
)
from tests.integration.helpers import scalar

WALLET = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"


@pytest.mark.parametrize(
    ("display_name", "username", "wallet", "printed"),
    [
        ("Amélie Dubois", "amelie", WALLET, "Amélie Dubois"),
        (None, "ada_lovelace", WALLET, "ada_lovelace"),
        ("   ", None, WALLET, "0x71C7…976F"),
    ],
)
def test_the_certificate_shows_display_name_else_username_else_short_wallet(
    engine: sa.Engine,
    store: ObjectStore,
    relay: Any,
    worker: Any,
    tmp_path: Path,
    display_name: str | None,
    username: str | None,
    wallet: str,
    printed: str,
) -> None:
    learner = settled_learner(engine, name="placeholder", wallet=wallet)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET display_name = :d, username = :u WHERE id = :id"),
            {"d": display_name, "u": username, "id": learner.user_profile_id},
        )

    emit(engine, "certificate.attested", learner.enrollment_id)

    [row] = wait_until(lambda: certificate_rows(engine, learner.enrollment_id))
    assert printed in pdftotext(store.get(row.object_key))
    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0


def test_admin_rerenders_a_name_change_as_a_new_version(
    engine: sa.Engine, store: ObjectStore, admin_settings: Settings, tmp_path: Path
) -> None:
    learner = settled_learner(engine, name="Ada Byron")
    first = rerender_or_render(engine, store, admin_settings, learner.enrollment_id, first=True)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET display_name = 'Ada Lovelace' WHERE id = :id"),
            {"id": learner.user_profile_id},
        )

    second = rerender_or_render(engine, store, admin_settings, learner.enrollment_id)

    old, new = certificate_rows(engine, learner.enrollment_id)
    assert (first, second) == (1, 2)
    assert (old.version, new.version) == (1, 2)
    assert old.superseded_at is not None
    assert new.superseded_at is None
    assert "Ada Byron" in pdftotext(store.get(old.object_key))
    assert "Ada Lovelace" in pdftotext(store.get(new.object_key))


def rerender_or_render(
    engine: sa.Engine,
    store: ObjectStore,
    settings: Settings,
    enrollment: Any,
    *,
    first: bool = False,
) -> int:
    from db.ledger import LedgerKey
    from issuance.certificates.certificate_pdf import render_certificate

    if first:
        key = LedgerKey("render_certificate", f"certificate.attested:{enrollment}", "m")
        result = render_certificate(engine, store, settings, enrollment, key)
    else:
        result = rerender(engine, store, settings, enrollment)
    assert result.certificate is not None
    return result.certificate.version

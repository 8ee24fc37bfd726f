"""What an enrollment's certificate is printed with (issuance.certificates.templates.look):
custom fields from the enrollment over the template's defaults, email only when the
template lists it, and an image whose stored bytes no longer match its sha256 is never
drawn."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image as PILImage

from certflow.errors import StorageFailed
from db.templates import CustomField
from issuance.certificates import template_admin
from issuance.certificates.templates import LOADED, look
from render.storage import ObjectStore
from tests.integration.certificates_pdf.conftest import settled_learner


def png_bytes(colour: str) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), colour).save(buffer, "PNG")
    return buffer.getvalue()


def assigned(engine: sa.Engine, store: ObjectStore, given: template_admin.TemplateInput) -> None:
    with engine.begin() as conn:
        made = template_admin.create(conn, store, "default", given)
        template_admin.assign(conn, "b1", made.template_id, None)


def test_custom_fields_and_email_are_printed_as_the_template_says(
    engine: sa.Engine, store: ObjectStore
) -> None:
    learner = settled_learner(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_profiles SET email = 'amelie@example.org' WHERE id = :u"),
            {"u": learner.user_profile_id},
        )
        conn.execute(
            sa.text("UPDATE bootcamp_enrollments SET certificate_fields = :f WHERE id = :e"),
            {"e": learner.enrollment_id, "f": '{"credits": "3 ECTS"}'},
        )
    with engine.begin() as conn:
        plain = look(conn, store, learner.enrollment_id)
    fields = (
        CustomField("credits", "Credits"),
        CustomField("hours", "Hours", "40"),
        CustomField("grade", "Grade"),  # no value anywhere: not printed
    )
    assigned(engine, store, template_admin.TemplateInput(name="T", custom_fields=fields))
    with engine.begin() as conn:
        without_email = look(conn, store, learner.enrollment_id)
    with engine.begin() as conn:
        template_admin.update(
            conn, store, without_email.template_id,  # type: ignore[arg-type]
            None, template_admin.TemplateInput(fields=("email", "cohort")),
        )  # fmt: skip
        with_email = look(conn, store, learner.enrollment_id)

    assert (plain.template_id, plain.email, plain.custom_fields) == (None, None, ())
    assert without_email.custom_fields == (("Credits", "3 ECTS"), ("Hours", "40"))
    assert without_email.email is None  # off by default
    assert with_email.email == "amelie@example.org"
    assert with_email.template_version == 2
    assert with_email.template.fields == frozenset({"email", "cohort"})


def test_a_replaced_image_object_is_refused_not_drawn(
    engine: sa.Engine, store: ObjectStore
) -> None:
    learner = settled_learner(engine)
    logo = png_bytes("navy")
    assigned(engine, store, template_admin.TemplateInput(name="T", logo=logo))
    with engine.begin() as conn:
        drawn = look(conn, store, learner.enrollment_id)
    assert drawn.template.logo is not None
    assert drawn.template.logo.data == logo
    key = f"templates/images/{drawn.template.logo.sha256}.png"
    store.put_image(key, png_bytes("red"), "image/png")  # someone swaps the object
    LOADED.clear()  # a new process

    with pytest.raises(StorageFailed, match="does not match its sha256"), engine.begin() as conn:
        look(conn, store, learner.enrollment_id)

"""Managing issuer templates (``certflow templates``, /admin): create, new versions,
assignment to a bootcamp, preview.

What an admin gives is checked here, with messages that say what to fix: a
layout, a font family, colours, fields, and every image (``validate_image``:
PNG or JPEG within the limits). A version is never changed: an update is the
newest version with the changes applied, and it prints from the next render
on (new certificates, and ``certflow certificate rerender``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args
from uuid import UUID

import sqlalchemy as sa

from certflow.errors import AdminRefused, ImageRefused
from db import templates
from db.templates import BootcampLook, CustomField, ImageRef, SignatoryRow, VersionSpec
from issuance.certificates.templates import store_image, template_of
from render.parts import MAX_SIGNATORIES
from render.preview import preview_png
from render.storage import ObjectStore
from render.template import FontFamily, Layout, OptionalField

# The choices the render layer draws, read from its types so the two cannot drift.
LAYOUTS: tuple[str, ...] = get_args(Layout)
FONT_FAMILIES: tuple[str, ...] = get_args(FontFamily)
FIELDS: tuple[str, ...] = get_args(OptionalField)
COLOURS = ("primary", "accent", "paper", "ink")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
#: BCP 47 as the tables check it: a language, then subtags (es, pt-BR, zh-Hant-TW).
LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_CUSTOM_FIELDS = 6
_MAX_TEXT = 200


@dataclass(frozen=True)
class SignatoryInput:
    name: str
    title: str
    signature: bytes | None = None


@dataclass(frozen=True)
class TemplateInput:
    """What an admin asks for; None keeps the previous version's value (an update)."""

    name: str | None = None
    layout: str | None = None
    font_family: str | None = None
    colours: dict[str, str] = dataclasses.field(default_factory=dict)
    logo: bytes | None = None
    background: bytes | None = None
    signatories: tuple[SignatoryInput, ...] | None = None
    fields: tuple[str, ...] | None = None
    custom_fields: tuple[CustomField, ...] | None = None


def input_from_json(doc: dict[str, Any], base: Path) -> TemplateInput:
    """A spec file: image values are paths relative to the file's folder."""
    known = {f.name for f in dataclasses.fields(TemplateInput)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise AdminRefused(f"unknown template keys: {', '.join(unknown)}")
    try:
        signatories = doc.get("signatories")
        custom = doc.get("custom_fields")
        return TemplateInput(
            name=doc.get("name"),
            layout=doc.get("layout"),
            font_family=doc.get("font_family"),
            colours=dict(doc.get("colours") or {}),
            logo=read_image(base, doc.get("logo"), "logo"),
            background=read_image(base, doc.get("background"), "background"),
            signatories=None
            if signatories is None
            else tuple(
                SignatoryInput(
                    str(s["name"]),
                    str(s.get("title", "")),
                    read_image(base, s.get("signature"), "signature"),
                )
                for s in signatories
            ),
            fields=None if doc.get("fields") is None else tuple(doc["fields"]),
            custom_fields=None
            if custom is None
            else tuple(
                CustomField(str(c["key"]), str(c["label"]), str(c.get("value", ""))) for c in custom
            ),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise AdminRefused(f"the template spec is malformed: {exc!r}") from exc


def read_image(base: Path, path: str | None, what: str) -> bytes | None:
    if not path:
        return None
    try:
        return (base / path).read_bytes()
    except OSError as exc:
        raise AdminRefused(f"{what}: cannot read {path}: {exc.strerror}") from exc


def create(
    conn: sa.Connection, store: ObjectStore, community_id: str, given: TemplateInput
) -> templates.TemplateVersion:
    """A new template of the community, at version 1."""
    if not given.name or not given.name.strip():
        raise AdminRefused("a template needs a name")
    spec = _spec(store, VersionSpec(), given)
    template_id = templates.create(conn, community_id, _text(given.name, "name"))
    templates.add_version(conn, template_id, spec)
    return templates.versions(conn, template_id, None)[0]


def update(
    conn: sa.Connection,
    store: ObjectStore,
    template_id: UUID,
    community_id: str | None,
    given: TemplateInput,
) -> templates.TemplateVersion:
    """The template's next version: its newest with ``given`` applied."""
    # A spec file's "name" is ignored here: a template keeps the name it was created with.
    newest = _newest(conn, template_id, community_id)
    templates.add_version(conn, template_id, _spec(store, newest.spec, given))
    return templates.versions(conn, template_id, None)[0]


def show(
    conn: sa.Connection, template_id: UUID, community_id: str | None
) -> list[templates.TemplateVersion]:
    found = templates.versions(conn, template_id, community_id)
    if not found:
        raise AdminRefused(f"no template {template_id}")
    return found


def assign(
    conn: sa.Connection,
    bootcamp_id: str,
    template_id: UUID | None,
    locale: str | None,
    community_id: str | None = None,
) -> BootcampLook:
    """Print the bootcamp's certificates with the template (None: certflow's own look),
    and in ``locale`` unless the learner has one. Only a template of the bootcamp's own
    community: another community's answers like an unknown id."""
    found = templates.bootcamp(conn, bootcamp_id, community_id)
    if found is None:
        raise AdminRefused(f"no bootcamp {bootcamp_id!r}")
    if template_id is not None and not templates.exists(conn, template_id, found.community_id):
        raise AdminRefused(f"no template {template_id}")
    if locale is not None and not LOCALE.match(locale):
        raise AdminRefused(f"locale {locale!r} is not a BCP 47 tag (en, es, pt-BR, zh-Hant)")
    return templates.assign(conn, bootcamp_id, template_id, locale)


def preview(
    conn: sa.Connection,
    store: ObjectStore,
    template_id: UUID,
    community_id: str | None,
    version: int | None = None,
    locale: str = "en",
) -> bytes:
    """A PNG of the template's version (default newest) with sample data."""
    if not LOCALE.match(locale):
        raise AdminRefused(f"locale {locale!r} is not a BCP 47 tag (en, es, pt-BR, zh-Hant)")
    found = templates.versions(conn, template_id, community_id, version)
    if not found:
        raise AdminRefused(f"no template {template_id}" + (f" v{version}" if version else ""))
    chosen = found[0]
    custom = [(f.label, f.value or f"<{f.key}>") for f in chosen.spec.custom_fields]
    return preview_png(template_of(store, chosen), locale, custom)


def _newest(
    conn: sa.Connection, template_id: UUID, community_id: str | None
) -> templates.TemplateVersion:
    found = templates.versions(conn, template_id, community_id)
    if not found:
        raise AdminRefused(f"no template {template_id}")
    return found[0]


def _spec(store: ObjectStore, base: VersionSpec, given: TemplateInput) -> VersionSpec:
    layout = given.layout or base.layout
    font_family = given.font_family or base.font_family
    if layout not in LAYOUTS:
        raise AdminRefused(f"layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    if font_family not in FONT_FAMILIES:
        raise AdminRefused(f"font family {font_family!r}: choose one of {', '.join(FONT_FAMILIES)}")
    colours = dict(zip(COLOURS, base.colours, strict=True))
    for name, value in given.colours.items():
        if name not in COLOURS:
            raise AdminRefused(f"colour {name!r}: the colours are {', '.join(COLOURS)}")
        if not _HEX.match(value):
            raise AdminRefused(f"colour {name} {value!r} is not #RRGGBB")
        colours[name] = value
    fields = base.fields if given.fields is None else given.fields
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise AdminRefused(
            f"fields {', '.join(unknown)}: the optional fields are {', '.join(FIELDS)}"
        )
    return VersionSpec(
        layout=layout,
        font_family=font_family,
        colours=(colours["primary"], colours["accent"], colours["paper"], colours["ink"]),
        logo=_image(store, given.logo, "logo") or base.logo,
        background=_image(store, given.background, "background") or base.background,
        signatories=base.signatories
        if given.signatories is None
        else _signatories(store, given.signatories),
        fields=tuple(dict.fromkeys(fields)),
        custom_fields=base.custom_fields
        if given.custom_fields is None
        else _custom_fields(given.custom_fields),
    )


def _image(store: ObjectStore, data: bytes | None, what: str) -> ImageRef | None:
    if data is None:
        return None
    try:
        return store_image(store, data)[1]
    except ImageRefused as exc:
        raise AdminRefused(f"{what} refused: {exc.user_message}") from exc


def _signatories(store: ObjectStore, given: tuple[SignatoryInput, ...]) -> tuple[SignatoryRow, ...]:
    if len(given) > MAX_SIGNATORIES:
        raise AdminRefused(f"at most {MAX_SIGNATORIES} signatories fit on a certificate")
    return tuple(
        SignatoryRow(
            _text(s.name, "signatory name"),
            _text(s.title, "signatory title", empty=True),
            _image(store, s.signature, f"signature of {s.name}"),
        )
        for s in given
    )


def _custom_fields(given: tuple[CustomField, ...]) -> tuple[CustomField, ...]:
    if len(given) > _MAX_CUSTOM_FIELDS:
        raise AdminRefused(f"at most {_MAX_CUSTOM_FIELDS} custom fields fit on a certificate")
    keys = [f.key for f in given]
    for key in keys:
        if not _KEY.match(key):
            raise AdminRefused(f"custom field key {key!r}: lower case letters, digits and _")
    if len(set(keys)) != len(keys):
        raise AdminRefused("custom field keys must differ")
    return tuple(
        CustomField(
            f.key, _text(f.label, "custom field label"), _text(f.value, "value", empty=True)
        )
        for f in given
    )


def _text(value: str, what: str, *, empty: bool = False) -> str:
    cleaned = value.strip()
    if not cleaned and not empty:
        raise AdminRefused(f"{what} is empty")
    if len(cleaned) > _MAX_TEXT:
        raise AdminRefused(f"{what} is longer than {_MAX_TEXT} characters")
    return cleaned


def spec_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AdminRefused(f"cannot read the template spec {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise AdminRefused(f"the template spec {path} is not a JSON object")
    return doc

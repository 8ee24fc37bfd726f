"""Issuer templates for the renderer: images in object storage, loaded once per process.

Images are stored content-addressed (``templates/images/<sha256>.<png|jpg>``):
the same file uploaded twice is one object, and a version's row names the
exact bytes it draws. A loaded image is checked against its sha256 before it
is drawn, so a replaced object cannot change what a template prints.

``look`` is what an enrollment's next certificate is printed with: the
bootcamp's template at its newest version, the learner's locale else the
bootcamp's, and the score and custom fields the app reported.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from certflow.errors import ObjectNotFound, RenderError, StorageFailed
from db import templates
from db.templates import ImageRef, TemplateVersion
from render.certificate import Score
from render.images import validate_image
from render.storage import ObjectStore
from render.template import DEFAULT, Colours, Image, Signatory, Template

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}
_EXTENSIONS = {"png": "png", "jpeg": "jpg"}
#: Loaded templates kept per process (each holds its images' bytes).
_CACHE_SIZE = 64


@dataclass(frozen=True)
class Look:
    """What a certificate is printed with; ``template_id`` None is certflow's own look."""

    template: Template = DEFAULT
    template_id: UUID | None = None
    template_version: int | None = None
    locale: str = "en"
    score: Score | None = None
    email: str | None = None
    custom_fields: tuple[tuple[str, str], ...] = ()


PLAIN = Look()


@dataclass(frozen=True)
class Pin:
    """The template version and locale an earlier certificate version was printed with."""

    template_id: UUID | None = None
    template_version: int | None = None
    locale: str = "en"


def image_key(image: Image) -> str:
    return f"templates/images/{image.sha256}.{_EXTENSIONS[image.kind]}"


def store_image(store: ObjectStore, data: bytes) -> tuple[Image, ImageRef]:
    """Validate (ImageRefused says why not) and store an uploaded image."""
    image = validate_image(data)
    key = image_key(image)
    try:
        store.put_image(key, image.data, _CONTENT_TYPES[image.kind])
    except ObjectNotFound:  # no bucket yet (a fresh store)
        store.ensure_bucket()
        store.put_image(key, image.data, _CONTENT_TYPES[image.kind])
    return image, ImageRef(key, image.sha256)


class _Loaded:
    """Per-process cache of loaded templates by key ("<id>:<version>": immutable rows)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: OrderedDict[str, Template] = OrderedDict()

    def get(self, key: str) -> Template | None:
        with self._lock:
            found = self._templates.get(key)
            if found is not None:
                self._templates.move_to_end(key)
            return found

    def put(self, template: Template) -> None:
        with self._lock:
            self._templates[template.key] = template
            while len(self._templates) > _CACHE_SIZE:
                self._templates.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()


LOADED = _Loaded()


def template_of(store: ObjectStore, version: TemplateVersion) -> Template:
    """The render template of a stored version, its images read once per process."""
    found = LOADED.get(version.key)
    if found is not None:
        return found
    spec = version.spec
    primary, accent, paper, ink = spec.colours
    template = Template(
        key=version.key,
        layout=spec.layout,  # type: ignore[arg-type]  # the table's CHECK holds the Literal
        font_family=spec.font_family,  # type: ignore[arg-type]
        colours=Colours(primary=primary, accent=accent, paper=paper, ink=ink),
        logo=_load(store, spec.logo),
        background=_load(store, spec.background),
        signatories=tuple(
            Signatory(s.name, s.title, _load(store, s.signature)) for s in spec.signatories
        ),
        fields=frozenset(spec.fields),  # type: ignore[arg-type]
    )
    LOADED.put(template)
    return template


def _load(store: ObjectStore, ref: ImageRef | None) -> Image | None:
    if ref is None:
        return None
    data = store.get(ref.key)
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise StorageFailed(f"template image {ref.key} does not match its sha256 {ref.sha256}")
    return validate_image(data)


def look(
    conn: sa.Connection, store: ObjectStore, enrollment_id: UUID, pinned: Pin | None = None
) -> Look:
    """What the enrollment's next certificate version is printed with: the bootcamp's
    template and the learner's (else the bootcamp's) locale, or ``pinned`` ones."""
    found = templates.enrollment_look(conn, enrollment_id)
    if found is None:
        return PLAIN
    pin = pinned or Pin(found.template_id, found.template_version, found.locale)
    score = None
    if found.score is not None:
        score = Score(found.score, found.score_out_of)
    template: Template = DEFAULT
    custom: tuple[tuple[str, str], ...] = ()
    printed_with: tuple[UUID | None, int | None] = (None, None)
    if pin.template_id is not None and pin.template_version is not None:
        version = templates.versions(conn, pin.template_id, None, pin.template_version)
        if not version:
            raise RenderError(f"template {pin.template_id} has no version {pin.template_version}")
        template = template_of(store, version[0])
        custom = _custom_fields(version[0], found.custom_values)
        printed_with = (pin.template_id, pin.template_version)
    return Look(
        template=template,
        template_id=printed_with[0],
        template_version=printed_with[1],
        locale=pin.locale,
        score=score,
        # Email is personal data: printed only when the template lists it (off by default).
        email=found.email if "email" in template.fields else None,
        custom_fields=custom,
    )


def _custom_fields(version: TemplateVersion, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    printed = []
    for field in version.spec.custom_fields:
        value = values.get(field.key) or field.value
        if value:
            printed.append((field.label, value))
    return tuple(printed)

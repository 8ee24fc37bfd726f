"""Issuer templates in Postgres: a community's looks, one immutable row per version.

Images are named here by object key and sha256 only; their bytes are in
object storage (``issuance.certificates.templates`` loads them). A template of
another community answers exactly like an unknown id: every lookup takes the
caller's community (``None``: an operator, who sees every community).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class ImageRef:
    key: str
    sha256: str


@dataclass(frozen=True)
class SignatoryRow:
    name: str
    title: str
    signature: ImageRef | None = None


@dataclass(frozen=True)
class CustomField:
    """A line the template prints: ``label``, then the enrollment's value for ``key``
    (``certificate_fields``) or else ``value``; not printed without either."""

    key: str
    label: str
    value: str = ""


@dataclass(frozen=True)
class VersionSpec:
    """What one version draws (render.template.Template, with images by reference)."""

    layout: str = "classic"
    font_family: str = "serif"
    colours: tuple[str, str, str, str] = ("#1F2A44", "#B08D57", "#FBF7EE", "#3B4252")
    logo: ImageRef | None = None
    background: ImageRef | None = None
    signatories: tuple[SignatoryRow, ...] = ()
    fields: tuple[str, ...] = ("cohort", "total_xp")
    custom_fields: tuple[CustomField, ...] = ()


@dataclass(frozen=True)
class TemplateVersion:
    template_id: UUID
    community_id: str
    name: str
    version: int
    spec: VersionSpec
    created_at: dt.datetime | None = None
    created_by: str = ""

    @property
    def key(self) -> str:
        """render.template.Template.key: changes whenever what is drawn changes."""
        return f"{self.template_id}:{self.version}"

    def as_json(self) -> dict[str, Any]:
        spec = asdict(self.spec)
        spec["colours"] = dict(
            zip(("primary", "accent", "paper", "ink"), self.spec.colours, strict=True)
        )
        return {
            "id": str(self.template_id),
            "community": self.community_id,
            "name": self.name,
            "version": self.version,
            **spec,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class TemplateSummary:
    id: UUID
    community_id: str
    name: str
    version: int
    bootcamps: tuple[str, ...] = field(default_factory=tuple)
    created_at: dt.datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "community": self.community_id,
            "name": self.name,
            "version": self.version,
            "bootcamps": list(self.bootcamps),
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


@dataclass(frozen=True)
class BootcampLook:
    bootcamp_id: str
    community_id: str
    template_id: UUID | None
    locale: str


@dataclass(frozen=True)
class EnrollmentLook:
    """What an enrollment's next certificate is printed with."""

    template_id: UUID | None
    template_version: int | None
    locale: str
    score: Decimal | None
    score_out_of: Decimal | None
    custom_values: dict[str, str]
    email: str | None


def create(conn: sa.Connection, community_id: str, name: str) -> UUID:
    return UUID(str(conn.execute(query("template_insert"), locals()).scalar_one()))


def exists(conn: sa.Connection, template_id: UUID, community_id: str | None) -> bool:
    params = {"id": template_id, "community_id": community_id}
    return conn.execute(query("template_of_community"), params).first() is not None


def add_version(conn: sa.Connection, template_id: UUID, spec: VersionSpec) -> int:
    """The next version of the template, with what ``spec`` draws."""
    primary, accent, paper, ink = spec.colours
    params = {
        "template_id": template_id,
        "layout": spec.layout,
        "font_family": spec.font_family,
        "colour_primary": primary,
        "colour_accent": accent,
        "colour_paper": paper,
        "colour_ink": ink,
        "logo_key": spec.logo.key if spec.logo else None,
        "logo_sha256": spec.logo.sha256 if spec.logo else None,
        "background_key": spec.background.key if spec.background else None,
        "background_sha256": spec.background.sha256 if spec.background else None,
        "signatories": json.dumps([asdict(s) for s in spec.signatories]),
        "fields": list(spec.fields),
        "custom_fields": json.dumps([asdict(c) for c in spec.custom_fields]),
    }
    return int(conn.execute(query("template_version_insert"), params).scalar_one())


def versions(
    conn: sa.Connection, template_id: UUID, community_id: str | None, version: int | None = None
) -> list[TemplateVersion]:
    """The template's versions, newest first ([]: unknown, or another community's)."""
    if not exists(conn, template_id, community_id):
        return []
    rows = conn.execute(query("template_versions"), {"id": template_id, "version": version})
    return [_version(row._mapping) for row in rows]


def listed(conn: sa.Connection, community_id: str | None) -> list[TemplateSummary]:
    rows = conn.execute(query("templates_listed"), {"community_id": community_id})
    return [
        TemplateSummary(
            id=row.id,
            community_id=row.community_id,
            name=row.name,
            version=int(row.version or 0),
            bootcamps=tuple(row.bootcamps),
            created_at=row.created_at,
        )
        for row in rows
    ]


def bootcamp(
    conn: sa.Connection, bootcamp_id: str, community_id: str | None
) -> BootcampLook | None:
    row = conn.execute(
        query("bootcamp_look"), {"id": bootcamp_id, "community_id": community_id}
    ).first()
    return None if row is None else _bootcamp(row._mapping)


def assign(
    conn: sa.Connection, bootcamp_id: str, template_id: UUID | None, locale: str | None
) -> BootcampLook:
    """Point the bootcamp at the template (None: certflow's own look), and set its locale."""
    params = {"id": bootcamp_id, "template_id": template_id, "locale": locale}
    return _bootcamp(conn.execute(query("bootcamp_assign"), params).one()._mapping)


def enrollment_look(conn: sa.Connection, enrollment_id: UUID) -> EnrollmentLook | None:
    row = conn.execute(query("enrollment_look"), {"enrollment_id": enrollment_id}).first()
    if row is None:
        return None
    values = row.custom_values or {}
    return EnrollmentLook(
        template_id=row.template_id,
        template_version=row.template_version,
        locale=row.locale,
        score=row.score,
        score_out_of=row.score_out_of,
        custom_values={str(k): str(v) for k, v in values.items() if v is not None},
        email=row.email,
    )


def _bootcamp(row: Any) -> BootcampLook:
    return BootcampLook(
        row["id"], row["community_id"], row["certificate_template_id"], row["certificate_locale"]
    )


def _image(key: str | None, sha256: str | None) -> ImageRef | None:
    return ImageRef(key, sha256) if key and sha256 else None


def _version(row: Any) -> TemplateVersion:
    spec = VersionSpec(
        layout=row["layout"],
        font_family=row["font_family"],
        colours=(
            row["colour_primary"],
            row["colour_accent"],
            row["colour_paper"],
            row["colour_ink"],
        ),
        logo=_image(row["logo_key"], row["logo_sha256"]),
        background=_image(row["background_key"], row["background_sha256"]),
        signatories=tuple(
            SignatoryRow(
                s["name"],
                s["title"],
                ImageRef(**s["signature"]) if s.get("signature") else None,
            )
            for s in row["signatories"]
        ),
        fields=tuple(row["fields"]),
        custom_fields=tuple(CustomField(**c) for c in row["custom_fields"]),
    )
    return TemplateVersion(
        template_id=row["template_id"],
        community_id=row["community_id"],
        name=row["name"],
        version=row["version"],
        spec=spec,
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def set_learner_locale(conn: sa.Connection, user_profile_id: UUID, locale: str | None) -> bool:
    """The learner's certificate language (None: the bootcamp's); False if not found."""
    params = {"user_profile_id": user_profile_id, "locale": locale}
    return conn.execute(query("learner_locale_set"), params).first() is not None


def set_enrollment_facts(
    conn: sa.Connection,
    enrollment_id: UUID,
    score: Decimal | None,
    out_of: Decimal | None,
    fields: dict[str, str],
) -> bool:
    """What the app reports for the certificate (score, custom field values); False if
    the enrollment is not found."""
    params = {
        "enrollment_id": enrollment_id,
        "score": score,
        "out_of": out_of,
        "fields": json.dumps(fields),
    }
    return conn.execute(query("enrollment_facts_set"), params).first() is not None

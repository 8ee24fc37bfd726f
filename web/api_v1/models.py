"""Request bodies: bounded, cleaned, no unknown fields (the body itself is capped by
API_MAX_BODY_BYTES before it is parsed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AchievementType = Literal["completion", "streak", "mastery", "participation"]
Tier = Literal["bronze", "silver", "gold", "platinum"]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CohortBody(_Body):
    cohortId: Id


class ActivityBody(_Body):
    kind: Annotated[Text, StringConstraints(max_length=64)]
    occurredAt: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class MilestoneCompletionBody(_Body):
    completedAt: datetime | None = None


class ValidationBody(_Body):
    userProfileId: UUID
    approved: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class AchievementBody(_Body):
    """A new achievement of the app's community (fields as in the catalog table)."""

    code: Code
    name: Annotated[Text, StringConstraints(max_length=100)]
    description: Annotated[Text, StringConstraints(max_length=500)]
    achievement_type: AchievementType
    category: Annotated[Text, StringConstraints(max_length=50)]
    tier: Tier
    points: int = Field(0, ge=0, le=100_000)
    icon: Annotated[str, StringConstraints(max_length=300)] | None = None
    color: Color | None = None
    is_public: bool = True
    criteria: dict[str, Any]


class AchievementChangeBody(_Body):
    """What to change; a field left out stays as it is."""

    name: Annotated[Text, StringConstraints(max_length=100)] | None = None
    description: Annotated[Text, StringConstraints(max_length=500)] | None = None
    achievement_type: AchievementType | None = None
    category: Annotated[Text, StringConstraints(max_length=50)] | None = None
    tier: Tier | None = None
    points: int | None = Field(None, ge=0, le=100_000)
    icon: Annotated[str, StringConstraints(max_length=300)] | None = None
    color: Color | None = None
    is_public: bool | None = None
    is_active: bool | None = None
    criteria: dict[str, Any] | None = None


#: BCP 47, as the tables check it (en, es, pt-BR, zh-Hant).
Locale = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35)
]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
FieldValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class LocaleBody(_Body):
    """The learner's certificate language; null: the bootcamp's."""

    locale: Locale | None


class CertificateFactsBody(_Body):
    """What the certificate may print for the enrollment: a score (out of ``outOf``; a
    percentage is out of 100) and values of the template's custom fields."""

    score: Decimal | None = Field(None, ge=0, le=1_000_000_000, decimal_places=2)
    outOf: Decimal | None = Field(None, gt=0, le=1_000_000_000, decimal_places=2)
    fields: dict[FieldKey, FieldValue] = Field(default_factory=dict, max_length=20)


#: Event types as the documented list names them (checked against it by the route).
EventType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class WebhookEndpointBody(_Body):
    """A new webhook endpoint of the app's community."""

    url: WebhookUrl
    events: list[EventType] = Field(min_length=1, max_length=16)
    description: Description = ""


class WebhookEndpointChangeBody(_Body):
    """What to change; a field left out stays as it is. ``enabled: false`` needs a reason."""

    url: WebhookUrl | None = None
    events: list[EventType] | None = Field(None, min_length=1, max_length=16)
    description: Description | None = None
    enabled: bool | None = None
    disabled_reason: Annotated[Description, StringConstraints(min_length=1)] | None = None


#: How long a replaced webhook secret is still accepted by default (24 h).
DEFAULT_OVERLAP_SECONDS = 24 * 3600


class RotationBody(_Body):
    #: How long the replaced secret is still accepted (at most 7 days).
    overlap_seconds: int = Field(DEFAULT_OVERLAP_SECONDS, ge=0, le=7 * 24 * 3600)

"""What each event kind carries. The relay refuses payloads that do not fit."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from certflow.errors import BadEvent


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class MilestoneCompleted(_Payload):
    user_profile_id: UUID
    milestone_id: str


class EnrollmentEvent(_Payload):
    enrollment_id: UUID


class ClaimRequested(EnrollmentEvent):
    claim_id: UUID


class ActivityRecorded(_Payload):
    activity_id: UUID
    user_profile_id: UUID
    kind: str


class AchievementUnlocked(_Payload):
    user_profile_id: UUID
    achievement_id: UUID
    code: str


class CertificateIssued(EnrollmentEvent):
    certificate_id: UUID
    version: int


class CertificateFailed(EnrollmentEvent):
    #: Where it failed: "claim" (the key grant) or "attestation".
    stage: str
    #: What the learner is shown.
    message: str


class WebhookResend(_Payload):
    delivery_ids: list[str]


class BatchedEvent(_Payload):
    """One outbox event inside a batch message (see ``events.batches``), with its own key."""

    payload: dict[str, Any]
    idempotency_key: str
    outbox_id: int | None = None
    #: Every outbox key is ``<kind>:<ids>``: the kind defaults to the key's prefix.
    kind: str = ""

    @model_validator(mode="after")
    def _kind_from_key(self) -> BatchedEvent:
        if not self.kind:
            object.__setattr__(self, "kind", self.idempotency_key.partition(":")[0])
        return self


class EventBatch(_Payload):
    events: list[BatchedEvent]


class Replay(_Payload):
    actor: str
    payload: dict[str, Any]
    idempotency_key: str
    outbox_id: int | None = None


SCHEMAS: dict[str, type[_Payload]] = {
    "milestone.completed": MilestoneCompleted,
    "enrollment.completed": EnrollmentEvent,
    "certificate.claim_requested": ClaimRequested,
    "certificate.key_granted": EnrollmentEvent,
    "certificate.attested": EnrollmentEvent,
    "certificate.attestation_failed": EnrollmentEvent,
    "activity.recorded": ActivityRecorded,
    "achievement.unlocked": AchievementUnlocked,
    "certificate.issued": CertificateIssued,
    "certificate.failed": CertificateFailed,
    "certificate.revoked": EnrollmentEvent,
    "webhook.resend": WebhookResend,
    "replay": Replay,
}


P = TypeVar("P", bound=_Payload)


def validate(kind: str, payload: Any) -> _Payload:
    """The payload as its kind's model, or BadEvent naming what is wrong."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise BadEvent(f"unknown event kind {kind!r}")
    return parse(schema, kind, payload)


def parse(schema: type[P], kind: str, payload: Any) -> P:
    """The payload as ``schema`` (an actor knows which model it takes), or BadEvent."""
    if not isinstance(payload, dict):
        raise BadEvent(f"{kind} payload must be a JSON object, got {type(payload).__name__}")
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        fields = ", ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False, include_input=False)
        )
        raise BadEvent(f"malformed {kind} payload ({fields})") from None

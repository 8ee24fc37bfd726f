"""Which actors receive which event kind, and on which queue each actor listens.

The relay needs only these names to send a message: it never imports the
actors (and with them web3 or ReportLab).
"""

from __future__ import annotations

from collections.abc import Mapping

from certflow.errors import BadEvent

#: The actor that turns events into webhook deliveries (README "Webhooks").
FAN_OUT = "webhook_fan_out"

ROUTES: Mapping[str, tuple[str, ...]] = {
    "milestone.completed": ("check_completion", "evaluate_achievements"),
    "enrollment.completed": ("auto_claim", "evaluate_achievements", FAN_OUT),
    "certificate.claim_requested": ("grant_key",),
    "certificate.key_granted": ("attest", "evaluate_achievements", FAN_OUT),
    "certificate.attested": ("render_certificate", FAN_OUT),
    # The webhook certificate.failed (stage "attestation").
    "certificate.attestation_failed": ("render_certificate", FAN_OUT),
    # A learner's "Retry Attestation" (POST /api/v1/certificates/retry-attestation).
    "certificate.attestation_retry_requested": ("retry_attestation",),
    "activity.recorded": ("evaluate_achievements",),
    # For the apps (webhooks) alone: no other certflow actor acts on these.
    "achievement.unlocked": (FAN_OUT,),
    "certificate.issued": (FAN_OUT,),
    "certificate.failed": (FAN_OUT,),
    "certificate.revoked": (FAN_OUT,),
    # The reconciler's re-send of deliveries due but not queued (Redis lost them).
    "webhook.resend": (FAN_OUT,),
}

#: Actors the relay sends ONE message per drained batch, carrying every event
#: of the batch routed to them (payload ``{"events": [...]}``): their work per
#: event is one cheap set-based SQL call, so a message per event would spend
#: most of the time on per-message costs (decoding, the Redis acknowledgement).
BATCHED: frozenset[str] = frozenset({"check_completion", "evaluate_achievements", FAN_OUT})

#: The event kinds evaluate_achievements takes (its routes above).
ACHIEVEMENT_EVENTS: frozenset[str] = frozenset(
    kind for kind, actors in ROUTES.items() if "evaluate_achievements" in actors
)

#: Actor name -> queue. Ops scale worker processes per queue.
QUEUES: Mapping[str, str] = {
    "check_completion": "completion",
    "auto_claim": "completion",
    "grant_key": "chain",
    "attest": "chain",
    "retry_attestation": "chain",
    "render_certificate": "render",
    "evaluate_achievements": "achievements",
    # Webhooks on their own queue: a slow endpoint never holds the pipeline's workers.
    FAN_OUT: "webhooks",
    "deliver_webhook": "webhooks",
}


def actors_for(kind: str) -> tuple[str, ...]:
    return ROUTES.get(kind, ())


def queue_of(actor: str) -> str:
    """The actor's queue; BadEvent for an actor certflow does not have."""
    try:
        return QUEUES[actor]
    except KeyError:
        raise BadEvent(f"no actor named {actor!r}") from None


def redeliverable() -> dict[str, tuple[str, ...]]:
    """Event kind -> every actor it feeds whose ledger the lost-message scan checks.

    Each of these actors records a ledger key for every final outcome, so no
    key (and no open dead letter) long after sending means its copy was lost.
    auto_claim gives its key back when refused for a fixable reason, so its
    copy of enrollment.completed is left to the reconciler's own auto-claim
    state, which knows when the reason is fixed. The webhook fan-out keeps no
    ledger: the reconciler finds events without deliveries from the deliveries.
    """
    scanned = {
        kind: tuple(
            a
            for a in actors
            if (kind, a) != ("enrollment.completed", "auto_claim") and a != FAN_OUT
        )
        for kind, actors in ROUTES.items()
    }
    return {kind: actors for kind, actors in scanned.items() if actors}

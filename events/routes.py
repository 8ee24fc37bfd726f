"""Which actors receive which event kind, and on which queue each actor listens.

The relay needs only these names to send a message: it never imports the
actors (and with them web3 or ReportLab).
"""

from __future__ import annotations

from collections.abc import Mapping

from certflow.errors import BadEvent

ROUTES: Mapping[str, tuple[str, ...]] = {
    "milestone.completed": ("check_completion",),
    "enrollment.completed": ("auto_claim",),
    "certificate.claim_requested": ("grant_key",),
    "certificate.key_granted": ("attest",),
    "certificate.attested": ("render_certificate",),
    "certificate.attestation_failed": ("render_certificate",),
}

#: Actor name -> queue. Ops scale worker processes per queue.
QUEUES: Mapping[str, str] = {
    "check_completion": "completion",
    "auto_claim": "completion",
    "grant_key": "chain",
    "attest": "chain",
    "render_certificate": "render",
}


#: Actors that take many events per message ({"events": [...]}): the per-message
#: cost of the broker, not the database work, limits a one-event-per-message path.
BATCHED: frozenset[str] = frozenset({"check_completion"})


def actors_for(kind: str) -> tuple[str, ...]:
    return ROUTES.get(kind, ())


def queue_of(actor: str) -> str:
    """The actor's queue; BadEvent for an actor certflow does not have."""
    try:
        return QUEUES[actor]
    except KeyError:
        raise BadEvent(f"no actor named {actor!r}") from None

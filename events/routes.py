"""Which actors receive which event kind."""

from __future__ import annotations

from collections.abc import Mapping

ROUTES: Mapping[str, tuple[str, ...]] = {
    "milestone.completed": ("check_completion",),
    "enrollment.completed": (),
    "certificate.claim_requested": (),
    "certificate.key_granted": (),
    "certificate.attested": (),
    "certificate.attestation_failed": (),
}


def actors_for(kind: str) -> tuple[str, ...]:
    return ROUTES.get(kind, ())

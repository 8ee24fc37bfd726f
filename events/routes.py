"""Which actors receive which event kind."""

from __future__ import annotations

from collections.abc import Mapping

ROUTES: Mapping[str, tuple[str, ...]] = {
    "milestone.completed": ("check_completion",),
    "enrollment.completed": ("auto_claim",),
    "certificate.claim_requested": ("grant_key",),
    "certificate.key_granted": ("attest",),
    "certificate.attested": ("render_certificate",),
    "certificate.attestation_failed": ("render_certificate",),
}


def actors_for(kind: str) -> tuple[str, ...]:
    return ROUTES.get(kind, ())

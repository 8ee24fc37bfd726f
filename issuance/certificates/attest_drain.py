"""Keep a thread that just attested a batch on the keys still waiting for theirs.

An attest batch forms when a ``certificate.key_granted`` message for a key
outside any batch reaches a worker thread. In a burst those messages queue
behind the claims' ``grant_key`` messages, and most of them find their key
already batched, so batches formed in waves, one message in forty: threads
sat idle while recorded keys waited. A thread whose pass attested a batch
now goes on with the next waiting keys itself (each pass the same
``attest_for``, so batching, screening and exactly-once are unchanged); the
keys' own messages then find them attested and return at once.
"""

from __future__ import annotations

import structlog

from certflow.errors import CertflowError
from db import attestations
from db.engine import transaction
from issuance.certificates.attestations import attest_for
from issuance.certificates.issuer import Issuer

log = structlog.get_logger("certflow.issuance")

#: Batches one message's thread attests at most after its own (a bound on its run time).
DRAIN_BATCHES = 10


def attest_waiting(issuer: Issuer, batches: int = DRAIN_BATCHES) -> int:
    """Attest up to ``batches`` more batches of waiting keys; how many were recorded.

    Stops when no key waits, when another run holds the next one, or at the
    first error: the waiting keys' own messages, retries and the reconciler
    remain their way to an attestation, with the failure policy's handling.
    """
    recorded = 0
    for _ in range(batches):
        with transaction(issuer.engine) as conn:
            waiting = attestations.next_waiting(conn)
        if waiting is None:
            break
        try:
            result = attest_for(issuer, waiting)
        except CertflowError as exc:
            log.info("attest_drain_stopped", enrollment_id=str(waiting), error=str(exc))
            break
        if result.outcome != "attested":
            break  # another run took it meanwhile: it is on the rest too
        recorded += result.recorded
    return recorded

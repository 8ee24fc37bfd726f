"""Where a certificate burst's time goes, from the timestamps its rows carry.

Every figure is seconds after the claims' commit (``t0``, database clock), so
the stages line up: when the relay had sent every claim, when grant and
attest batches were formed, signed and recorded, when PDFs were rendered.
Per batch: forming to signing (screening and gas estimates) and signing to
recording (broadcast, the receipt wait, the receipt's parsing and the write).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bench._db import median

_SPANS = """
SELECT
  (SELECT max(o.dispatched_at) FROM event_outbox o JOIN bootcamp_enrollments x
     ON o.payload->>'enrollment_id' = x.id::text
   WHERE o.kind = 'certificate.claim_requested' AND x.cohort_id = :c) AS relay_last,
  min(e.certificate_grant_batch_at) AS grant_first, max(e.certificate_grant_batch_at) AS grant_last,
  min(e.certificate_issued_at) AS key_first, max(e.certificate_issued_at) AS key_last,
  min(e.certificate_attest_batch_at) AS attest_first,
  max(e.certificate_attest_batch_at) AS attest_last,
  (SELECT min(o.created_at) FROM event_outbox o JOIN bootcamp_enrollments x
     ON o.idempotency_key = 'certificate.attested:' || x.id::text WHERE x.cohort_id = :c)
     AS attested_first,
  (SELECT max(o.created_at) FROM event_outbox o JOIN bootcamp_enrollments x
     ON o.idempotency_key = 'certificate.attested:' || x.id::text WHERE x.cohort_id = :c)
     AS attested_last,
  (SELECT min(p.processed_at) FROM processed_messages p JOIN bootcamp_enrollments x
     ON p.idempotency_key = 'certificate.attested:' || x.id::text
   WHERE p.actor = 'render_certificate' AND x.cohort_id = :c) AS render_first,
  (SELECT max(p.processed_at) FROM processed_messages p JOIN bootcamp_enrollments x
     ON p.idempotency_key = 'certificate.attested:' || x.id::text
   WHERE p.actor = 'render_certificate' AND x.cohort_id = :c) AS render_last
FROM bootcamp_enrollments e WHERE e.cohort_id = :c
"""

# One row per transaction of the cohort: when its batch was formed, signed, recorded.
_BATCHES = """
SELECT t.intent, t.nonce,
  CASE WHEN t.intent = 'grant_keys' THEN min(e.certificate_grant_batch_at)
       ELSE min(e.certificate_attest_batch_at) END AS formed,
  t.created_at AS signed,
  CASE WHEN t.intent = 'grant_keys' THEN min(e.certificate_issued_at)
       ELSE (SELECT min(o.created_at) FROM event_outbox o
             WHERE o.idempotency_key = ANY(array_agg('certificate.attested:' || e.id::text)))
  END AS recorded,
  count(*) AS members
FROM chain_transactions t
JOIN bootcamp_enrollments e ON e.certificate_grant_batch = t.intent_key
  OR e.certificate_attest_batch = t.intent_key
WHERE e.cohort_id = :c AND t.status = 'mined'
GROUP BY t.id ORDER BY t.nonce
"""


def _seconds(value: Any, t0: Any) -> float:
    return float("nan") if value is None else (value - t0).total_seconds()


def stage_lines(
    engine: sa.Engine, cohort: str, t0: Any, name: str, *, per_tx: bool = False
) -> tuple[list[str], dict[str, float]]:
    """One line per stage and per batch kind (``name stage: figure``), and each stage's
    first and last moment (``key_last``: the last key recorded, and so on)."""
    with engine.connect() as conn:
        spans = conn.execute(sa.text(_SPANS), {"c": cohort}).mappings().one()
        batches = conn.execute(sa.text(_BATCHES), {"c": cohort}).mappings().all()
    at = {key: _seconds(value, t0) for key, value in spans.items()}
    lines = [
        f"{name} relay, last claim sent: {at['relay_last']:.2f} s",
        f"{name} grant batches formed: {at['grant_first']:.2f} .. {at['grant_last']:.2f} s",
        f"{name} keys recorded: {at['key_first']:.2f} .. {at['key_last']:.2f} s",
        f"{name} attest batches formed: {at['attest_first']:.2f} .. {at['attest_last']:.2f} s",
        f"{name} attestations recorded: {at['attested_first']:.2f} .. {at['attested_last']:.2f} s",
        f"{name} PDFs rendered and stored: {at['render_first']:.2f} .. {at['render_last']:.2f} s",
    ]
    if per_tx:
        lines += [
            f"{name}   nonce {b['nonce']} {b['intent']} x{b['members']}: formed"
            f" {_seconds(b['formed'], t0):.2f} signed {_seconds(b['signed'], t0):.2f}"
            f" recorded {_seconds(b['recorded'], t0):.2f}"
            for b in batches
        ]
    for intent in ("grant_keys", "multi_attest"):
        rows = [b for b in batches if b["intent"] == intent]
        if not rows:
            continue
        prepare = [_seconds(b["signed"], b["formed"]) for b in rows]
        mined = [_seconds(b["recorded"], b["signed"]) for b in rows]
        sizes = [float(b["members"]) for b in rows]
        lines.append(
            f"{name} {intent}: {len(rows)} txs, median {median(sizes):.0f} members;"
            f" formed->signed median {median(prepare):.2f} s (max {max(prepare):.2f}),"
            f" signed->recorded median {median(mined):.2f} s (max {max(mined):.2f})"
        )
    return lines, at

-- Named queries: reconcile. Each section is one statement.

-- name: reconcile_stuck_grants
-- Claims in progress for longer than a pass should take.
SELECT id FROM public.bootcamp_enrollments
WHERE certificate_claim_in_progress AND NOT certificate_issued
  AND certificate_claim_started_at < now() - make_interval(secs => :older_than)
ORDER BY certificate_claim_started_at
LIMIT :limit;

-- name: reconcile_stuck_attestations
-- Issued, attestation neither recorded nor given up on, and not moving.
SELECT id FROM public.bootcamp_enrollments
WHERE certificate_issued AND certificate_attestation_uid IS NULL
  AND certificate_attestation_failed_at IS NULL
  AND certificate_issued_at < now() - make_interval(secs => :older_than)
  AND (certificate_attest_batch IS NULL
       OR certificate_attest_batch_at < now() - make_interval(secs => :older_than))
ORDER BY certificate_issued_at
LIMIT :limit;

-- name: reconcile_completions
-- Every milestone completed but the enrollment not: apply the rule again.
-- complete_enrollment() locks the row and re-checks, so a check_completion
-- running at the same moment completes it once between them.
WITH totals AS (
    SELECT cohort_id, count(*) AS total FROM public.cohort_milestones GROUP BY cohort_id
),
stuck AS (
    SELECT e.id
    FROM public.bootcamp_enrollments e
    JOIN totals t ON t.cohort_id = e.cohort_id
    WHERE e.enrollment_status <> 'completed'
      AND t.total = (SELECT count(*) FROM public.user_milestone_progress p
                     JOIN public.cohort_milestones m ON m.id = p.milestone_id
                     WHERE p.user_profile_id = e.user_profile_id
                       AND m.cohort_id = e.cohort_id AND p.status = 'completed')
    ORDER BY e.id
    LIMIT :limit
)
SELECT count(*) FILTER (WHERE public.complete_enrollment(stuck.id, 'reconcile')) FROM stuck;

-- name: reconcile_auto_claims
-- Completed, AUTO_CLAIM on, never claimed, claimable (a lock address): send
-- enrollment.completed again under its own key. auto_claim gives its key back
-- when it was refused for a fixable reason, so the re-send claims now.
WITH flags AS (
    SELECT auto_claim AND certificates_enabled AS enabled FROM public.certificate_flags
),
stuck AS (
    SELECT e.id, e.user_profile_id, e.cohort_id
    FROM public.bootcamp_enrollments e
    JOIN public.cohorts c ON c.id = e.cohort_id
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
    WHERE (SELECT enabled FROM flags)
      AND e.enrollment_status = 'completed' AND NOT e.certificate_issued
      AND NOT coalesce(e.certificate_claim_in_progress, false)
      AND e.certificate_claim_id IS NULL
      AND coalesce(btrim(b.lock_address), '') <> ''
      AND e.completion_date < now() - make_interval(secs => :older_than)
      AND NOT EXISTS (SELECT 1 FROM public.processed_messages p
                      WHERE p.actor = 'auto_claim'
                        AND p.idempotency_key = 'enrollment.completed:' || e.id::text)
    ORDER BY e.id
    LIMIT :limit
),
resent AS (
    INSERT INTO public.event_outbox AS o (kind, payload, idempotency_key)
    SELECT 'enrollment.completed',
           jsonb_build_object('enrollment_id', s.id, 'user_profile_id', s.user_profile_id,
                              'cohort_id', s.cohort_id),
           'enrollment.completed:' || s.id::text
    FROM stuck s
    ON CONFLICT (idempotency_key) DO UPDATE SET dispatched_at = NULL, failed_at = NULL
    WHERE o.dispatched_at < now() - make_interval(secs => :older_than)
    RETURNING 1
)
SELECT count(*) FROM resent;

-- name: reconcile_pdfs
-- Attested, or attestation given up, and no current PDF showing it: send the
-- render event again. The key is the attested event's own, or for a failure one
-- derived from when it failed, so every pass re-sends the same event. A
-- render that failed for good (an open dead letter) is left to the admin.
WITH stuck AS (
    SELECT e.id, e.certificate_attestation_uid AS uid, e.certificate_attestation_failed_at
    FROM public.bootcamp_enrollments e
    LEFT JOIN public.certificates c
        ON c.enrollment_id = e.id AND c.superseded_at IS NULL
    WHERE e.certificate_issued
      AND (e.certificate_attestation_uid IS NOT NULL
           OR e.certificate_attestation_failed_at IS NOT NULL)
      AND (c.id IS NULL
           OR (e.certificate_attestation_uid IS NOT NULL
               AND c.attestation_uid IS DISTINCT FROM e.certificate_attestation_uid))
      AND e.updated_at < now() - make_interval(secs => :older_than)
      AND NOT EXISTS (SELECT 1 FROM public.dead_letters d
                      WHERE d.enrollment_id = e.id AND d.actor = 'render_certificate'
                        AND d.replayed_at IS NULL)
    ORDER BY e.id
    LIMIT :limit
),
resent AS (
    INSERT INTO public.event_outbox AS o (kind, payload, idempotency_key)
    SELECT CASE WHEN s.uid IS NOT NULL THEN 'certificate.attested'
                ELSE 'certificate.attestation_failed' END,
           CASE WHEN s.uid IS NOT NULL
                THEN jsonb_build_object('enrollment_id', s.id, 'attestation_uid', s.uid)
                ELSE jsonb_build_object('enrollment_id', s.id, 'reason', 'reconciled') END,
           CASE WHEN s.uid IS NOT NULL THEN 'certificate.attested:' || s.id::text
                ELSE 'certificate.attestation_failed:' || s.id::text || ':reconcile:'
                     || extract(epoch FROM s.certificate_attestation_failed_at)::text END
    FROM stuck s
    ON CONFLICT (idempotency_key) DO UPDATE SET dispatched_at = NULL, failed_at = NULL
    WHERE o.dispatched_at < now() - make_interval(secs => :older_than)
    RETURNING 1
)
SELECT count(*) FROM resent;

-- name: reconcile_lost_messages
-- Sent long enough ago, yet no ledger row of the actor it was sent to and no
-- open dead letter: the message was lost with Redis. Send it again, same key.
-- A replay names its actor and original key in its payload. Only rows well
-- inside the retention window, so a pruned ledger key never looks lost.
WITH routes AS (
    SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:actors AS text[])) AS r(kind, actor)
),
sent AS (
    SELECT o.id, coalesce(r.actor, o.payload ->> 'actor') AS actor,
           CASE WHEN o.kind = 'replay' THEN o.payload ->> 'idempotency_key'
                ELSE o.idempotency_key END AS key
    FROM public.event_outbox o
    LEFT JOIN routes r ON r.kind = o.kind
    WHERE o.dispatched_at < now() - make_interval(secs => :older_than)
      AND o.dispatched_at > now() - make_interval(secs => :window)
      AND (r.actor IS NOT NULL OR o.kind = 'replay')
),
lost AS (
    SELECT DISTINCT s.id FROM sent s
    WHERE NOT EXISTS (SELECT 1 FROM public.processed_messages p
                      WHERE p.actor = s.actor AND p.idempotency_key = s.key)
      AND NOT EXISTS (SELECT 1 FROM public.dead_letters d
                      WHERE d.actor = s.actor AND d.idempotency_key = s.key
                        AND d.replayed_at IS NULL)
    LIMIT :limit
),
resent AS (
    UPDATE public.event_outbox o SET dispatched_at = NULL
    FROM lost WHERE o.id = lost.id
    RETURNING 1
)
SELECT count(*) FROM resent;

-- name: prune_outbox
-- Dispatched events older than the retention window, a bounded batch, except
-- those an open dead letter still points at.
WITH doomed AS (
    SELECT o.id FROM public.event_outbox o
    WHERE o.dispatched_at < now() - make_interval(secs => :older_than)
      AND NOT EXISTS (SELECT 1 FROM public.dead_letters d
                      WHERE d.outbox_id = o.id AND d.replayed_at IS NULL)
    ORDER BY o.dispatched_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
pruned AS (
    DELETE FROM public.event_outbox o USING doomed WHERE o.id = doomed.id RETURNING 1
)
SELECT count(*) FROM pruned;

-- name: prune_ledger
-- Ledger keys older than the retention window, a bounded batch, except keys an
-- open dead letter may still replay.
WITH doomed AS (
    SELECT p.actor, p.idempotency_key FROM public.processed_messages p
    WHERE p.processed_at < now() - make_interval(secs => :older_than)
      AND NOT EXISTS (SELECT 1 FROM public.dead_letters d
                      WHERE d.idempotency_key = p.idempotency_key AND d.replayed_at IS NULL)
    ORDER BY p.processed_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
pruned AS (
    DELETE FROM public.processed_messages p USING doomed
    WHERE p.actor = doomed.actor AND p.idempotency_key = doomed.idempotency_key
    RETURNING 1
)
SELECT count(*) FROM pruned;

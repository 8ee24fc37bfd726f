-- Queries used by db/ modules. Each section is one statement.

-- name: outbox_claim_batch
-- Oldest pending events, locked so a second relay skips them.
SELECT id, kind, payload, idempotency_key
FROM public.event_outbox
WHERE dispatched_at IS NULL AND failed_at IS NULL
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: outbox_mark_dispatched
UPDATE public.event_outbox SET dispatched_at = now() WHERE id = ANY(:ids);

-- name: outbox_mark_failed
UPDATE public.event_outbox SET failed_at = now(), last_error = :error WHERE id = :id;

-- name: outbox_set_waiting
UPDATE public.outbox_relay_state SET waiting = :waiting, updated_at = now();

-- name: outbox_counts
SELECT count(*) FILTER (WHERE dispatched_at IS NULL AND failed_at IS NULL) AS pending,
       count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS dispatched,
       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
FROM public.event_outbox;

-- name: outbox_failed
SELECT id, kind, idempotency_key, last_error, failed_at
FROM public.event_outbox WHERE failed_at IS NOT NULL ORDER BY id LIMIT :limit;

-- name: outbox_retry_failed
UPDATE public.event_outbox SET failed_at = NULL, last_error = NULL
WHERE failed_at IS NOT NULL AND (CAST(:id AS bigint) IS NULL OR id = CAST(:id AS bigint))
RETURNING id;

-- name: emit_event
SELECT public.emit_event(:kind, CAST(:payload AS jsonb), :idempotency_key);

-- name: ledger_claim
-- A second delivery of the same key waits for the first to commit, then gets no row.
INSERT INTO public.processed_messages (actor, idempotency_key, message_id)
VALUES (:actor, :key, :message_id)
ON CONFLICT DO NOTHING
RETURNING 1;

-- name: ledger_seen
SELECT 1 FROM public.processed_messages WHERE actor = :actor AND idempotency_key = :key;

-- name: check_milestone_completion
SELECT public.check_milestone_completion(:user_profile_id, :milestone_id);

-- name: fix_completion_status
SELECT public.fix_completion_status(:enrollment_id);

-- name: fix_completion_statuses
SELECT public.fix_completion_statuses(:cohort_id, :limit);

-- name: force_clear_claim_lock
SELECT public.force_clear_claim_lock(:enrollment_id);

-- name: dead_letter_insert
INSERT INTO public.dead_letters
    (actor, queue, message_id, idempotency_key, enrollment_id, outbox_id, payload,
     error_type, reason, permanent, retries)
VALUES (:actor, :queue, :message_id, :idempotency_key, :enrollment_id, :outbox_id,
        CAST(:payload AS jsonb), :error_type, :reason, :permanent, :retries)
ON CONFLICT (message_id, actor) WHERE replayed_at IS NULL DO UPDATE
SET reason = EXCLUDED.reason, error_type = EXCLUDED.error_type, retries = EXCLUDED.retries,
    created_at = now()
RETURNING id;

-- name: dead_letters_open
SELECT id, actor, queue, message_id, idempotency_key, enrollment_id, outbox_id, error_type,
       reason, permanent, retries, created_at
FROM public.dead_letters WHERE replayed_at IS NULL ORDER BY id LIMIT :limit;

-- name: dead_letter_take
-- Marks the letter replayed and returns what is needed to send it again.
UPDATE public.dead_letters SET replayed_at = now()
WHERE id = :id AND replayed_at IS NULL
RETURNING id, actor, queue, message_id, idempotency_key, outbox_id, payload;

-- name: enrollment_summary
SELECT e.id, e.enrollment_status, e.completion_date, e.certificate_issued,
       e.certificate_last_error, u.display_name, c.name AS cohort_name
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
WHERE e.cohort_id = :cohort_id
ORDER BY u.display_name;

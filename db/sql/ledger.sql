-- Named queries: ledger. Each section is one statement.

-- name: ledger_claim
-- A second delivery of the same key waits for the first to commit, then gets no row.
INSERT INTO public.processed_messages (actor, idempotency_key, message_id)
VALUES (:actor, :key, :message_id)
ON CONFLICT DO NOTHING
RETURNING 1;

-- name: ledger_release
DELETE FROM public.processed_messages WHERE actor = :actor AND idempotency_key = :key;

-- name: dead_letter_insert
INSERT INTO public.dead_letters
    (actor, queue, message_id, idempotency_key, enrollment_id, outbox_id, payload,
     error_type, reason, permanent, retries)
VALUES (:actor, :queue, :message_id, :idempotency_key, :enrollment_id, :outbox_id,
        CAST(:payload AS jsonb), :error_type, :reason, :permanent, :retries)
ON CONFLICT (message_id, actor) WHERE replayed_at IS NULL DO UPDATE
SET reason = EXCLUDED.reason, error_type = EXCLUDED.error_type, retries = EXCLUDED.retries,
    created_at = now(), purged_at = NULL, purged_by = NULL
RETURNING id;

-- name: ledger_commit_without_flush
-- This transaction's commit does not wait for the WAL flush. Only for a ledger
-- row whose loss is harmless: the pass it marks is idempotent by state, and the
-- reconciler re-sends an event whose row is missing.
SELECT set_config('synchronous_commit', 'off', true);

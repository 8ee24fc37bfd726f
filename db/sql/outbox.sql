-- Named queries: outbox. Each section is one statement.

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

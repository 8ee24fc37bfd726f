-- Named queries: the dead-letter console (list, show, effects, replay, purge).
-- "Open" letters are neither replayed nor purged. Every filter is optional (NULL
-- matches everything).

-- name: dead_letters_matching
SELECT id, queue, actor, enrollment_id, idempotency_key, error_type, reason, permanent,
       retries, created_at AS failed_at,
       EXTRACT(EPOCH FROM now() - created_at)::bigint AS age_seconds
FROM public.dead_letters
WHERE replayed_at IS NULL AND purged_at IS NULL
  AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(CAST(:ids AS bigint[])))
  AND (CAST(:queue AS text) IS NULL OR queue = :queue)
  AND (CAST(:actor AS text) IS NULL OR actor = :actor)
  -- Plain substring (strpos), so % and _ in the admin's text are not wildcards.
  AND (CAST(:error AS text) IS NULL
       OR strpos(lower(reason), lower(:error)) > 0
       OR strpos(lower(error_type), lower(:error)) > 0)
  AND (CAST(:older_than AS double precision) IS NULL
       OR created_at < now() - make_interval(secs => :older_than))
  AND (CAST(:newer_than AS double precision) IS NULL
       OR created_at >= now() - make_interval(secs => :newer_than))
ORDER BY id
LIMIT :limit;

-- name: dead_letters_existing
SELECT id FROM public.dead_letters WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id;

-- name: dead_letter_one
SELECT id, queue, actor, message_id, enrollment_id, idempotency_key, outbox_id, payload,
       error_type, reason, permanent, retries, created_at AS failed_at,
       EXTRACT(EPOCH FROM now() - created_at)::bigint AS age_seconds,
       replayed_at, purged_at, purged_by
FROM public.dead_letters WHERE id = :id;

-- name: dead_letter_effects
-- Per letter, the effect that already happened, if any: the actor's ledger key,
-- or the state its actor would have written (key granted, attested, rendered).
SELECT d.id,
       CASE
           WHEN EXISTS (SELECT 1 FROM public.processed_messages p
                        WHERE p.actor = d.actor AND p.idempotency_key = d.idempotency_key)
               THEN 'already processed (ledger key recorded)'
           WHEN d.actor = 'grant_key' AND e.certificate_tx_hash IS NOT NULL
               THEN 'key already granted (tx ' || e.certificate_tx_hash || ')'
           WHEN d.actor = 'attest' AND e.certificate_attestation_uid IS NOT NULL
               THEN 'attestation already there (' || e.certificate_attestation_uid || ')'
           WHEN d.actor = 'render_certificate' AND EXISTS (
                    SELECT 1 FROM public.certificates c
                    WHERE c.enrollment_id = d.enrollment_id AND c.superseded_at IS NULL)
               THEN 'certificate already rendered'
       END AS already
FROM public.dead_letters d
LEFT JOIN public.bootcamp_enrollments e ON e.id = d.enrollment_id
WHERE d.id = ANY(CAST(:ids AS bigint[]));

-- name: dead_letters_replay_many
-- Marks the open ones among :ids replayed and writes each one's replay event, in one
-- statement. The event keeps the letter's idempotency key, so its effect stays single.
WITH taken AS (
    UPDATE public.dead_letters SET replayed_at = now()
    WHERE id = ANY(CAST(:ids AS bigint[])) AND replayed_at IS NULL AND purged_at IS NULL
    RETURNING id, actor, idempotency_key, outbox_id, payload
)
SELECT t.id,
       public.emit_event(
           'replay',
           jsonb_build_object('actor', t.actor, 'payload', t.payload,
                              'idempotency_key', t.idempotency_key, 'outbox_id', t.outbox_id),
           'replay:' || t.id) AS emitted
FROM taken t;

-- name: dead_letters_purge_many
UPDATE public.dead_letters SET purged_at = now(), purged_by = :by
WHERE id = ANY(CAST(:ids AS bigint[])) AND replayed_at IS NULL AND purged_at IS NULL
RETURNING id;

-- name: dead_letters_per_queue
SELECT queue, count(*) AS open, min(created_at) AS oldest
FROM public.dead_letters
WHERE replayed_at IS NULL AND purged_at IS NULL
GROUP BY queue ORDER BY queue;

-- name: dead_letter_selection
-- The letters a dry run froze (written only by admin_dead_letter_dry_run, never
-- updated): the set a replay takes is exactly the set the admin saw.
SELECT s.audit_id,
       ARRAY(SELECT generate_series(lower(r), upper(r) - 1) FROM unnest(s.ids) AS r
             ORDER BY 1) AS ids
FROM public.dead_letter_selections s
WHERE s.audit_id = :id AND s.command = :command;

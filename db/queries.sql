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

-- name: handle_milestone_completed
SELECT public.handle_milestone_completed(:actor, :key, :message_id, :user_profile_id, :milestone_id);

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

-- name: pdf_lock_enrollment
-- Serializes renders of one enrollment until commit, so two events for it
-- cannot write different bytes for the same version (the enrollment row itself
-- is left unlocked: chain actors update it meanwhile).
SELECT pg_advisory_xact_lock(hashtextextended('certflow.certificate:' || CAST(:enrollment_id AS text), 0));

-- name: pdf_source
-- Everything printed on an enrollment's certificate, and where its object goes.
SELECT e.id AS enrollment_id, e.user_profile_id, e.cohort_id, c.bootcamp_program_id AS bootcamp_id,
       u.display_name, u.wallet_address, b.name AS bootcamp_title, c.name AS cohort_name,
       CAST(e.completion_date AT TIME ZONE 'UTC' AS date) AS completion_day,
       e.completion_date AS completed_at, b.lock_address, e.certificate_tx_hash, e.certificate_attestation_uid,
       (SELECT coalesce(sum(m.total_reward), 0) FROM public.cohort_milestones m
        WHERE m.cohort_id = e.cohort_id) AS total_xp
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id = :enrollment_id;

-- name: pdf_current
SELECT id, enrollment_id, version, object_key, sha256, size_bytes, attestation_uid, rendered_at,
       superseded_at
FROM public.certificates
WHERE enrollment_id = :enrollment_id AND superseded_at IS NULL;

-- name: pdf_by_id
SELECT id, enrollment_id, version, object_key, sha256, size_bytes, attestation_uid, rendered_at,
       superseded_at
FROM public.certificates
WHERE id = :id;

-- name: pdf_supersede
UPDATE public.certificates SET superseded_at = now()
WHERE enrollment_id = :enrollment_id AND superseded_at IS NULL AND version < :version;

-- name: pdf_insert
INSERT INTO public.certificates
    (id, enrollment_id, version, object_key, sha256, size_bytes, attestation_uid)
VALUES (:id, :enrollment_id, :version, :object_key, :sha256, :size_bytes, :attestation_uid)
RETURNING rendered_at;

-- name: certificate_flags_write
UPDATE public.certificate_flags
SET certificates_enabled = :enabled, auto_claim = :auto_claim, updated_at = now();

-- name: certificate_flags_read
SELECT certificates_enabled, auto_claim, updated_at FROM public.certificate_flags;

-- name: claim_certificate
SELECT public.claim_certificate(:enrollment_id, :enabled);

-- name: certificate_status
SELECT public.certificate_status(:enrollment_id);

-- name: certificates_issued_count
SELECT count(*) FROM public.bootcamp_enrollments WHERE certificate_issued;

-- name: certificate_target
-- One enrollment with what granting and attesting need to know about it.
SELECT e.id, e.enrollment_status, e.certificate_issued, e.certificate_claim_in_progress,
       e.certificate_claim_id, e.certificate_tx_hash, e.certificate_attestation_uid,
       e.certificate_attestation_failed_at, e.certificate_retry_count,
       e.certificate_grant_batch, e.certificate_attest_batch,
       e.certificate_grant_batch_at < now() - make_interval(secs => :stale_seconds)
           AS grant_batch_stale,
       e.certificate_attest_batch_at < now() - make_interval(secs => :stale_seconds)
           AS attest_batch_stale,
       u.wallet_address, b.lock_address
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id = :enrollment_id;

-- name: grant_batch_candidates
-- Claims of this lock waiting for a key, ours first; rows another batch is
-- taking right now are skipped. Only well-formed wallets: a bad one is
-- reported by its own message, never allowed to sink a batch.
SELECT e.id, u.wallet_address
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE lower(b.lock_address) = lower(:lock_address)
  AND e.certificate_claim_in_progress AND NOT e.certificate_issued
  AND e.certificate_grant_batch IS NULL
  AND u.wallet_address ~ '^0x[0-9a-fA-F]{40}$'
ORDER BY e.id = :enrollment_id DESC, e.certificate_claim_started_at, e.id
LIMIT :limit
FOR UPDATE OF e SKIP LOCKED;

-- name: grant_batch_assign
UPDATE public.bootcamp_enrollments
SET certificate_grant_batch = :batch, certificate_grant_batch_at = now()
WHERE id = ANY(:ids);

-- name: grant_batch_members
SELECT e.id, u.wallet_address
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
WHERE e.certificate_grant_batch = :batch AND NOT e.certificate_issued
ORDER BY e.id;

-- name: grant_batch_release
-- The batch sent nothing: its claims go back in line (still in progress).
UPDATE public.bootcamp_enrollments
SET certificate_grant_batch = NULL, certificate_grant_batch_at = NULL
WHERE id = ANY(:ids) AND NOT certificate_issued;

-- name: record_key_granted
-- The key is on chain: record it and its event in one statement per batch.
WITH granted AS (
    UPDATE public.bootcamp_enrollments e
    SET certificate_issued = true,
        certificate_issued_at = now(),
        certificate_tx_hash = g.tx_hash,
        certificate_claim_in_progress = false,
        certificate_last_error = NULL,
        certificate_last_error_at = NULL
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tx_hashes AS text[])) AS g(id, tx_hash)
    WHERE e.id = g.id AND NOT e.certificate_issued
    RETURNING e.id, e.certificate_tx_hash
)
SELECT public.emit_event(
    'certificate.key_granted',
    jsonb_build_object('enrollment_id', granted.id, 'tx_hash', granted.certificate_tx_hash),
    'certificate.key_granted:' || granted.id::text)
FROM granted;

-- name: record_claim_error
-- A claim that cannot go on: the error for the learner, the lock released
-- so that a claim after the fix starts afresh.
UPDATE public.bootcamp_enrollments
SET certificate_last_error = :error,
    certificate_last_error_at = now(),
    certificate_retry_count = coalesce(certificate_retry_count, 0) + 1,
    certificate_claim_in_progress = false,
    certificate_grant_batch = NULL,
    certificate_grant_batch_at = NULL
WHERE id = ANY(:ids) AND NOT certificate_issued;

-- name: record_claim_warning
-- A message for the learner while the claim stays in progress (it is retried).
UPDATE public.bootcamp_enrollments
SET certificate_last_error = :error, certificate_last_error_at = now()
WHERE id = ANY(:ids) AND NOT certificate_issued;

-- name: attest_batch_candidates
SELECT e.id
FROM public.bootcamp_enrollments e
WHERE e.certificate_issued AND e.certificate_attestation_uid IS NULL
  AND e.certificate_attest_batch IS NULL AND e.certificate_attestation_failed_at IS NULL
ORDER BY e.id = :enrollment_id DESC, e.certificate_issued_at, e.id
LIMIT :limit
FOR UPDATE OF e SKIP LOCKED;

-- name: attest_batch_assign
UPDATE public.bootcamp_enrollments
SET certificate_attest_batch = :batch, certificate_attest_batch_at = now()
WHERE id = ANY(:ids);

-- name: attest_batch_members
-- What the attestation says, per enrollment of the batch.
SELECT e.id, u.wallet_address, e.cohort_id, c.name AS cohort_name,
       b.id AS bootcamp_id, b.name AS bootcamp_title,
       -- floor: unix seconds truncate (a cast would round up from .5 s).
       CAST(floor(extract(epoch FROM e.completion_date)) AS bigint) AS completion_date,
       (SELECT coalesce(sum(m.total_reward), 0) FROM public.cohort_milestones m
        WHERE m.cohort_id = e.cohort_id) AS total_xp,
       e.certificate_tx_hash
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id = ANY(:ids)
ORDER BY e.id;

-- name: attest_batch_member_ids
SELECT id FROM public.bootcamp_enrollments
WHERE certificate_attest_batch = :batch AND certificate_attestation_uid IS NULL
ORDER BY id;

-- name: record_attested
WITH attested AS (
    UPDATE public.bootcamp_enrollments e
    SET certificate_attestation_uid = a.uid,
        certificate_attestation_failed_at = NULL,
        certificate_last_error = NULL,
        certificate_last_error_at = NULL
    FROM unnest(CAST(:ids AS uuid[]), CAST(:uids AS text[])) AS a(id, uid)
    WHERE e.id = a.id AND e.certificate_attestation_uid IS NULL
    RETURNING e.id, e.certificate_attestation_uid
)
SELECT public.emit_event(
    'certificate.attested',
    jsonb_build_object('enrollment_id', attested.id,
                       'attestation_uid', attested.certificate_attestation_uid),
    'certificate.attested:' || attested.id::text)
FROM attested;

-- name: record_attestation_failed
-- The key stays issued; the learner can retry from the dashboard.
WITH failed AS (
    UPDATE public.bootcamp_enrollments e
    SET certificate_attestation_failed_at = now(),
        certificate_last_error = :error,
        certificate_last_error_at = now()
    WHERE e.id = ANY(:ids) AND e.certificate_attestation_uid IS NULL
    RETURNING e.id
)
SELECT public.emit_event(
    'certificate.attestation_failed',
    jsonb_build_object('enrollment_id', failed.id, 'reason', CAST(:reason AS text)),
    'certificate.attestation_failed:' || failed.id::text || ':' || CAST(:batch AS text))
FROM failed;

-- name: attest_retry_take
-- The manual retry takes the attestation over (no batch picks it meanwhile).
UPDATE public.bootcamp_enrollments
SET certificate_attest_batch = :batch, certificate_attest_batch_at = now()
WHERE id = :enrollment_id AND certificate_issued AND certificate_attestation_uid IS NULL
RETURNING id;

-- name: attest_retry_count
UPDATE public.bootcamp_enrollments
SET certificate_retry_count = coalesce(certificate_retry_count, 0) + 1
WHERE id = :enrollment_id;

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

-- Named queries: grants. Each section is one statement.

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
-- The wallet that received it is frozen here: the attestation and the PDF name it.
WITH granted AS (
    UPDATE public.bootcamp_enrollments e
    SET certificate_issued = true,
        certificate_issued_at = now(),
        certificate_tx_hash = g.tx_hash,
        certificate_wallet_address = g.wallet,
        certificate_claim_in_progress = false,
        certificate_last_error = NULL,
        certificate_last_error_at = NULL
    FROM unnest(CAST(:ids AS uuid[]), CAST(:tx_hashes AS text[]), CAST(:wallets AS text[]))
        AS g(id, tx_hash, wallet)
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
-- so that a claim after the fix starts afresh; certificate.failed (for the
-- apps' webhooks) says so with the learner's message, once per failure.
WITH failed AS (
    UPDATE public.bootcamp_enrollments
    SET certificate_last_error = :error,
        certificate_last_error_at = now(),
        certificate_retry_count = coalesce(certificate_retry_count, 0) + 1,
        certificate_claim_in_progress = false,
        certificate_grant_batch = NULL,
        certificate_grant_batch_at = NULL
    WHERE id = ANY(:ids) AND NOT certificate_issued
    RETURNING id, certificate_retry_count
)
SELECT public.emit_event(
    'certificate.failed',
    jsonb_build_object('enrollment_id', failed.id, 'stage', 'claim',
                       'message', CAST(:error AS text)),
    'certificate.failed:' || failed.id::text || ':claim:' || failed.certificate_retry_count::text)
FROM failed;

-- name: record_claim_warning
-- A message for the learner while the claim stays in progress (it is retried).
UPDATE public.bootcamp_enrollments
SET certificate_last_error = :error, certificate_last_error_at = now()
WHERE id = ANY(:ids) AND NOT certificate_issued;

-- name: record_key_moved
-- A reorg dropped a grant and it was mined again under another hash (re-signed
-- because its nonce was taken meanwhile): the enrollments point at the new one.
UPDATE public.bootcamp_enrollments
SET certificate_tx_hash = :new_hash
WHERE certificate_tx_hash = :old_hash;

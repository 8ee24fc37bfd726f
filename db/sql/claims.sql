-- Named queries: claims. Each section is one statement.

-- name: certificate_flags_write
UPDATE public.certificate_flags
SET certificates_enabled = :enabled, auto_claim = :auto_claim, updated_at = now();

-- name: certificate_flags_set
-- `certflow flags set`: a flag left NULL keeps its value.
UPDATE public.certificate_flags
SET certificates_enabled = coalesce(CAST(:enabled AS boolean), certificates_enabled),
    auto_claim = coalesce(CAST(:auto_claim AS boolean), auto_claim),
    updated_at = now();

-- name: certificate_flags_read
SELECT certificates_enabled, auto_claim, updated_at FROM public.certificate_flags;

-- name: record_claim_refusal
-- Why an automatic claim could not start, where the learner and the admin see it.
UPDATE public.bootcamp_enrollments
SET certificate_last_error = :error, certificate_last_error_at = now()
WHERE id = :enrollment_id AND NOT certificate_issued
  AND certificate_last_error IS DISTINCT FROM :error;

-- name: claim_certificate
SELECT public.claim_certificate(:enrollment_id, :enabled);

-- name: certificate_status
SELECT public.certificate_status(:enrollment_id);

-- name: certificates_issued_count
SELECT count(*) FROM public.bootcamp_enrollments WHERE certificate_issued;

-- name: certificate_target
-- One enrollment with what granting and attesting need to know about it.
-- A batch is stale when its owner is gone: not recorded for :stale_seconds and no
-- live run holds its owner lock (db/sql/batches.sql; a slow send is not a dead one).
SELECT e.id, e.enrollment_status, e.certificate_issued, e.certificate_claim_in_progress,
       e.certificate_claim_id, e.certificate_tx_hash, e.certificate_attestation_uid,
       e.certificate_attestation_failed_at, e.certificate_retry_count,
       e.certificate_grant_batch, e.certificate_attest_batch,
       e.certificate_grant_batch_at < now() - make_interval(secs => :stale_seconds)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                     WHERE d.datname = pg_catalog.current_database())
                   AND l.classid = 1651799400 AND l.objsubid = 2
                   AND CAST(l.objid AS bigint) = CAST(hashtext(e.certificate_grant_batch) AS bigint) & 4294967295)
           AS grant_batch_stale,
       e.certificate_attest_batch_at < now() - make_interval(secs => :stale_seconds)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                     WHERE d.datname = pg_catalog.current_database())
                   AND l.classid = 1651799400 AND l.objsubid = 2
                   AND CAST(l.objid AS bigint) = CAST(hashtext(e.certificate_attest_batch) AS bigint) & 4294967295)
           AS attest_batch_stale,
       u.wallet_address, b.lock_address, b.attestation_mode
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id = :enrollment_id;

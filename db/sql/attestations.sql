-- Named queries: attestations. Each section is one statement.

-- name: attest_batch_candidates
-- Keys waiting for their attestation in bootcamps of one mode (:mode, on-chain or
-- off-chain: a batch is all of one mode), ours first.
SELECT e.id
FROM public.bootcamp_enrollments e
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.certificate_issued AND e.certificate_attestation_uid IS NULL
  AND e.certificate_attest_batch IS NULL AND e.certificate_attestation_failed_at IS NULL
  AND b.attestation_mode = :mode
ORDER BY e.id = :enrollment_id DESC, e.certificate_issued_at, e.id
LIMIT :limit
FOR UPDATE OF e SKIP LOCKED;

-- name: attest_batch_assign
UPDATE public.bootcamp_enrollments
SET certificate_attest_batch = :batch, certificate_attest_batch_at = now()
WHERE id = ANY(:ids);

-- name: attest_batch_member_ids
-- A member that failed alone (bad input, a revert of its own) is out of the batch.
SELECT id FROM public.bootcamp_enrollments
WHERE certificate_attest_batch = :batch AND certificate_attestation_uid IS NULL
  AND certificate_attestation_failed_at IS NULL
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
-- The manual retry takes the attestation over (no batch picks it meanwhile),
-- but never from a live batch: only when no batch holds it, the batch failed,
-- the batch is stale and its owner lock free (its owner is gone: db/sql/batches.sql),
-- or it is this retry's own.
UPDATE public.bootcamp_enrollments
SET certificate_attest_batch = :batch, certificate_attest_batch_at = now()
WHERE id = :enrollment_id AND certificate_issued AND certificate_attestation_uid IS NULL
  AND (certificate_attest_batch IS NULL
       OR certificate_attest_batch = :batch
       OR certificate_attestation_failed_at IS NOT NULL
       OR (certificate_attest_batch_at < now() - make_interval(secs => :stale_seconds)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                     WHERE d.datname = pg_catalog.current_database())
                   AND l.classid = 1651799400 AND l.objsubid = 2
                   AND CAST(l.objid AS bigint) = CAST(hashtext(certificate_attest_batch) AS bigint) & 4294967295)))
RETURNING id;

-- name: attest_retry_count
UPDATE public.bootcamp_enrollments
SET certificate_retry_count = coalesce(certificate_retry_count, 0) + 1
WHERE id = :enrollment_id;

-- name: attest_batch_attested_ids
-- Members of a batch with a recorded uid (a reorg may have moved it).
SELECT id FROM public.bootcamp_enrollments
WHERE certificate_attest_batch = :batch AND certificate_attestation_uid IS NOT NULL
ORDER BY id;

-- name: record_attestation_moved
-- A reorg re-mined the attestation in another block, so its uid changed:
-- record the new one, and emit certificate.attested again (a new PDF version).
WITH moved AS (
    UPDATE public.bootcamp_enrollments e
    SET certificate_attestation_uid = a.uid
    FROM unnest(CAST(:ids AS uuid[]), CAST(:uids AS text[])) AS a(id, uid)
    WHERE e.id = a.id AND e.certificate_attestation_uid IS DISTINCT FROM a.uid
    RETURNING e.id, e.certificate_attestation_uid
)
SELECT public.emit_event(
    'certificate.attested',
    jsonb_build_object('enrollment_id', moved.id,
                       'attestation_uid', moved.certificate_attestation_uid),
    'certificate.attested:' || moved.id::text || ':' || moved.certificate_attestation_uid)
FROM moved;

-- name: attest_retry_cohort_candidates
-- Keys of a cohort still waiting for an attestation (failed, or lost), for the bulk retry.
SELECT e.id
FROM public.bootcamp_enrollments e
WHERE e.cohort_id = :cohort_id AND e.certificate_issued AND e.certificate_attestation_uid IS NULL
ORDER BY e.id
LIMIT :limit;

-- name: attest_retry_take_many
-- The bulk retry takes a chunk into one batch, with attest_retry_take's rule (never
-- from a live batch), and counts the attempt; a failed member is pending again.
UPDATE public.bootcamp_enrollments
SET certificate_attest_batch = :batch, certificate_attest_batch_at = now(),
    certificate_attestation_failed_at = NULL,
    certificate_retry_count = coalesce(certificate_retry_count, 0) + 1
WHERE id = ANY(:ids) AND certificate_issued AND certificate_attestation_uid IS NULL
  AND (certificate_attest_batch IS NULL
       OR certificate_attestation_failed_at IS NOT NULL
       OR (certificate_attest_batch_at < now() - make_interval(secs => :stale_seconds)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory'
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                     WHERE d.datname = pg_catalog.current_database())
                   AND l.classid = 1651799400 AND l.objsubid = 2
                   AND CAST(l.objid AS bigint) = CAST(hashtext(certificate_attest_batch) AS bigint) & 4294967295)))
RETURNING id;

-- name: cohort_exists
SELECT EXISTS (SELECT 1 FROM public.cohorts WHERE id = :cohort_id);

-- name: attest_next_waiting
-- The oldest key waiting for an attestation that no batch holds (no lock: the
-- attest pass takes it, or finds that another run did).
SELECT e.id
FROM public.bootcamp_enrollments e
WHERE e.certificate_issued AND e.certificate_attestation_uid IS NULL
  AND e.certificate_attest_batch IS NULL AND e.certificate_attestation_failed_at IS NULL
ORDER BY e.certificate_issued_at, e.id
LIMIT 1;

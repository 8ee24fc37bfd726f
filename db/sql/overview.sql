-- Named queries: the status overview (the source's weekly-review queries as one view).

-- name: overview_outbox
SELECT count(*) FILTER (WHERE dispatched_at IS NULL AND failed_at IS NULL) AS pending,
       count(*) FILTER (WHERE failed_at IS NOT NULL AND dispatched_at IS NULL) AS parked,
       EXTRACT(EPOCH FROM now() - min(created_at)
               FILTER (WHERE dispatched_at IS NULL AND failed_at IS NULL))::bigint
           AS oldest_pending_seconds
FROM public.event_outbox;

-- name: overview_cohorts
SELECT e.cohort_id,
       count(*) AS enrollments,
       count(*) FILTER (WHERE e.enrollment_status = 'completed') AS completed,
       count(*) FILTER (WHERE e.certificate_claim_started_at IS NOT NULL
                           OR e.certificate_issued) AS claimed,
       count(*) FILTER (WHERE e.certificate_issued) AS issued,
       count(*) FILTER (WHERE e.certificate_attestation_uid IS NOT NULL) AS attested,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM public.certificates c
                                      WHERE c.enrollment_id = e.id
                                        AND c.superseded_at IS NULL)) AS rendered
FROM public.bootcamp_enrollments e
GROUP BY e.cohort_id
ORDER BY e.cohort_id;

-- name: overview_stale_locks
-- Claim locks held longer than :older_than seconds (the source's weekly check: 10 minutes).
SELECT id AS enrollment_id, cohort_id, certificate_claim_started_at AS locked_at,
       EXTRACT(EPOCH FROM now() - certificate_claim_started_at)::bigint AS age_seconds
FROM public.bootcamp_enrollments
WHERE certificate_claim_in_progress
  AND certificate_claim_started_at < now() - make_interval(secs => :older_than)
ORDER BY certificate_claim_started_at
LIMIT :limit;

-- name: overview_failures
SELECT id AS enrollment_id, cohort_id, certificate_last_error AS last_error,
       certificate_last_error_at AS failed_at, certificate_retry_count AS retries
FROM public.bootcamp_enrollments
WHERE certificate_last_error IS NOT NULL
ORDER BY certificate_last_error_at DESC NULLS LAST
LIMIT :limit;

-- name: overview_pending_transactions
SELECT signer, nonce, intent, tx_hash, status,
       EXTRACT(EPOCH FROM now() - created_at)::bigint AS age_seconds
FROM public.chain_transactions
WHERE chain_id = :chain_id AND status IN ('signed', 'broadcast')
ORDER BY nonce
LIMIT :limit;

-- name: overview_last_signer
SELECT signer FROM public.chain_transactions
WHERE chain_id = :chain_id ORDER BY id DESC LIMIT 1;

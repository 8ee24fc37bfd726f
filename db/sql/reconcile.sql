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

-- Named queries: the verification site and revocations. Each section is one statement.

-- name: pdf_by_sha256
-- An uploaded file's certificate: the newest version with exactly these bytes.
SELECT id, enrollment_id, version, object_key, sha256, size_bytes, attestation_uid, rendered_at,
       superseded_at
FROM public.certificates
WHERE sha256 = :sha256
ORDER BY version DESC
LIMIT 1;

-- name: learner_current_certificates
-- A learner's current certificates (one per enrollment), oldest first.
SELECT c.id, c.enrollment_id, c.version, c.object_key, c.sha256, c.size_bytes,
       c.attestation_uid, c.rendered_at, c.superseded_at
FROM public.certificates c
JOIN public.bootcamp_enrollments e ON e.id = c.enrollment_id
WHERE e.user_profile_id = :user_profile_id AND c.superseded_at IS NULL
ORDER BY c.rendered_at, c.id;

-- name: revocation_by_enrollment
SELECT enrollment_id, reason, tx_hash, revoked_at
FROM public.certificate_revocations
WHERE enrollment_id = :enrollment_id;

-- name: revocation_insert
-- A second revoke of the same enrollment keeps the first row (its date and reason).
INSERT INTO public.certificate_revocations (enrollment_id, reason, tx_hash)
VALUES (:enrollment_id, :reason, :tx_hash)
ON CONFLICT (enrollment_id) DO NOTHING;

-- name: revocation_key_lock
-- Held until commit: two revocations of one learner's certificates on one lock decide
-- in turn, so the second sees the first and the last one expires the key.
SELECT pg_advisory_xact_lock(
    hashtextextended('certflow.key:' || lower(:lock_address) || ':' || lower(:wallet_address), 0));

-- name: revocation_key_still_needed
-- Other live certificates that rest on the same key: enrollments of the same wallet
-- whose key was granted on the same lock (cohorts of one bootcamp share its lock)
-- and that are not revoked. While any exists, revoking one certificate leaves the key.
SELECT e.id
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id <> :enrollment_id
  AND e.certificate_tx_hash IS NOT NULL
  AND lower(b.lock_address) = lower(:lock_address)
  AND lower(coalesce(e.certificate_wallet_address, u.wallet_address)) = lower(:wallet_address)
  AND NOT EXISTS (SELECT 1 FROM public.certificate_revocations r WHERE r.enrollment_id = e.id)
ORDER BY e.id;

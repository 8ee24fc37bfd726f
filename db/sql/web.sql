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

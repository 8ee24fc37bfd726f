-- Named queries of the HTTP API (/api/v1) and its admin commands (api-keys, set-auth).

-- name: api_key_insert
INSERT INTO public.api_keys (community_id, prefix, secret_sha256, name)
VALUES (:community_id, :prefix, :secret_sha256, :name)
RETURNING id, community_id, prefix, name, created_at, last_used_at, revoked_at;

-- name: api_key_list
SELECT id, community_id, prefix, name, created_at, last_used_at, revoked_at
FROM public.api_keys
WHERE (CAST(:community_id AS text) IS NULL OR community_id = :community_id)
ORDER BY community_id, created_at, prefix;

-- name: api_key_revoke
UPDATE public.api_keys SET revoked_at = COALESCE(revoked_at, now())
WHERE prefix = :prefix
RETURNING id, community_id, prefix, name, created_at, last_used_at, revoked_at;

-- name: api_key_lookup
-- The API's login reads the key by its public prefix; the secret's digest is compared in Python.
SELECT id, community_id, secret_sha256, revoked_at FROM public.api_keys WHERE prefix = :prefix;

-- name: api_key_touch
-- At most one write a minute per key: a busy key does not write on every request.
UPDATE public.api_keys SET last_used_at = now()
WHERE id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: community_auth_upsert
INSERT INTO public.community_auth (community_id, jwks_url, issuer, audience, subject_claim)
VALUES (:community_id, :jwks_url, :issuer, :audience, :subject_claim)
ON CONFLICT (community_id) DO UPDATE
SET jwks_url = EXCLUDED.jwks_url, issuer = EXCLUDED.issuer, audience = EXCLUDED.audience,
    subject_claim = EXCLUDED.subject_claim, updated_at = now()
RETURNING community_id, jwks_url, issuer, audience, subject_claim, updated_at;

-- name: community_auth_all
SELECT community_id, jwks_url, issuer, audience, subject_claim FROM public.community_auth;

-- name: api_act_as
-- The request's identity for its transaction: the role the caller is and its community.
SELECT pg_catalog.set_config('certflow.community_id', :community_id, true),
       pg_catalog.set_config('role', :role, true);

-- name: api_become_person
-- As the app of the community: the learner (or instructor) the token names, then their role.
-- The feature flag comes along (the certificate endpoints need it), saving a round trip.
SELECT u.id,
       COALESCE((SELECT f.certificates_enabled FROM public.certificate_flags f), false)
           AS certificates_enabled,
       pg_catalog.set_config('certflow.user_profile_id', u.id::text, true),
       pg_catalog.set_config('role', :role, true)
FROM public.user_profiles u
WHERE u.privy_user_id = :subject AND u.community_id = :community_id;

-- name: api_certificates_enabled
SELECT COALESCE((SELECT f.certificates_enabled FROM public.certificate_flags f), false);

-- name: api_own_enrollment
-- A learner's enrollment in a cohort (the learner's row-level security decides what is "own").
SELECT e.id FROM public.bootcamp_enrollments e
WHERE e.cohort_id = :cohort_id AND e.user_profile_id = public.current_user_profile_id()
  AND public.community_of_cohort(e.cohort_id) = public.current_community_id();

-- name: api_own_status
-- The completion status of the learner's enrollment in the cohort, in one round trip.
SELECT public.certificate_status(e.id) FROM public.bootcamp_enrollments e
WHERE e.cohort_id = :cohort_id AND e.user_profile_id = public.current_user_profile_id()
  AND public.community_of_cohort(e.cohort_id) = public.current_community_id();

-- name: api_own_claim
-- The claim of the learner's enrollment in the cohort, in one round trip.
SELECT public.request_certificate_claim(e.id) FROM public.bootcamp_enrollments e
WHERE e.cohort_id = :cohort_id AND e.user_profile_id = public.current_user_profile_id()
  AND public.community_of_cohort(e.cohort_id) = public.current_community_id();

-- name: api_learner_exists
SELECT EXISTS (SELECT 1 FROM public.user_profiles u WHERE u.id = :user_profile_id);

-- name: api_milestone_in_community
SELECT public.community_of_milestone(:milestone_id) = public.current_community_id();

-- name: api_enrollment_status
SELECT public.certificate_status(:enrollment_id);

-- name: api_learner_certificates
-- A learner's current certificates, what the verify page and the download link need.
SELECT c.id, c.enrollment_id, c.version, c.rendered_at, c.attestation_uid, e.cohort_id,
       co.name AS cohort_name, b.name AS bootcamp_name, e.completion_date,
       r.revoked_at
FROM public.bootcamp_enrollments e
JOIN public.certificates c ON c.enrollment_id = e.id AND c.superseded_at IS NULL
JOIN public.cohorts co ON co.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = co.bootcamp_program_id
LEFT JOIN public.certificate_revocations r ON r.enrollment_id = e.id
WHERE e.user_profile_id = :user_profile_id
ORDER BY c.rendered_at, c.id;

-- name: api_complete_milestone
-- The app marks a learner's milestone completed (the gate and the completion trigger run).
INSERT INTO public.user_milestone_progress (user_profile_id, milestone_id, status,
    progress_percentage, completed_at)
VALUES (:user_profile_id, :milestone_id, 'completed', 100, COALESCE(:completed_at, now()))
ON CONFLICT (user_profile_id, milestone_id) DO UPDATE
SET status = 'completed', progress_percentage = 100,
    completed_at = COALESCE(:completed_at, now())
RETURNING status;

-- name: api_achievements_list
SELECT id, code, name, description, achievement_type, category, tier, points, icon, color,
       is_public, is_active, criteria, community_id, created_at, updated_at
FROM public.achievements
WHERE community_id = public.current_community_id()
   OR (community_id IS NULL AND CAST(:include_global AS boolean))
ORDER BY community_id NULLS FIRST, code;

-- name: api_retry_attestation
SELECT public.request_attestation_retry(:enrollment_id);

-- name: api_save_achievement
SELECT public.save_community_achievement(:id, CAST(:fields AS jsonb));

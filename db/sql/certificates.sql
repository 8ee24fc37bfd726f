-- Named queries: certificates. Each section is one statement.

-- name: pdf_lock_enrollment
-- Serializes renders of one enrollment until commit, so two events for it
-- cannot write different bytes for the same version (the enrollment row itself
-- is left unlocked: chain actors update it meanwhile).
SELECT pg_advisory_xact_lock(hashtextextended('certflow.certificate:' || CAST(:enrollment_id AS text), 0));

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
RETURNING id, enrollment_id, version, object_key, sha256, size_bytes, attestation_uid,
          rendered_at, superseded_at;

-- name: certificate_records
-- Everything a certificate says, one row per enrollment: the attestation, the
-- PDF and verification all read this and nothing else.
SELECT e.id AS enrollment_id, e.user_profile_id, e.cohort_id, c.name AS cohort_name,
       b.id AS bootcamp_id, b.name AS bootcamp_title, b.lock_address,
       -- The wallet that received the key, once granted; the profile's until then.
       u.display_name, u.username,
       coalesce(e.certificate_wallet_address, u.wallet_address) AS wallet_address,
       e.completion_date AS completed_at,
       (SELECT coalesce(sum(m.total_reward), 0) FROM public.cohort_milestones m
        WHERE m.cohort_id = e.cohort_id) AS total_xp,
       e.certificate_tx_hash, e.certificate_attestation_uid,
       b.attestation_mode, o.anchor_tx_hash
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
LEFT JOIN public.offchain_attestations o ON o.enrollment_id = e.id
WHERE e.id = ANY(:ids)
ORDER BY e.id;

-- name: printed_insert
-- What a version printed, written with the version (never rewritten).
INSERT INTO public.certificate_printed_fields
    (certificate_id, enrollment_id, learner_name, bootcamp_title, cohort_name, completion_date,
     total_xp, wallet_address, lock_address, key_tx_hash, attestation_uid, anchor_tx_hash,
     chain_id, template_id, template_version, locale, score, score_out_of)
VALUES (:certificate_id, :enrollment_id, :learner_name, :bootcamp_title, :cohort_name,
        :completion_date, :total_xp, :wallet_address, :lock_address, :key_tx_hash,
        :attestation_uid, :anchor_tx_hash, :chain_id, :template_id, :template_version, :locale,
        :score, :score_out_of)
ON CONFLICT (certificate_id) DO NOTHING;

-- name: printed_by_certificate
SELECT certificate_id, enrollment_id, learner_name, bootcamp_title, cohort_name,
       completion_date, total_xp, wallet_address, lock_address, key_tx_hash, attestation_uid,
       anchor_tx_hash, chain_id, template_id, template_version, locale, score, score_out_of
FROM public.certificate_printed_fields
WHERE certificate_id = :certificate_id;

-- name: template_insert
INSERT INTO public.certificate_templates (community_id, name)
VALUES (:community_id, :name)
RETURNING id;

-- name: template_of_community
-- A template of this community (NULL community: any); another community's answers
-- like an unknown id.
SELECT id, community_id, name, created_at
FROM public.certificate_templates
WHERE id = :id AND (CAST(:community_id AS text) IS NULL OR community_id = :community_id);

-- name: template_version_insert
INSERT INTO public.certificate_template_versions
    (template_id, version, layout, font_family, colour_primary, colour_accent, colour_paper,
     colour_ink, logo_key, logo_sha256, background_key, background_sha256, signatories,
     fields, custom_fields)
SELECT :template_id, coalesce(max(version), 0) + 1, :layout, :font_family, :colour_primary,
       :colour_accent, :colour_paper, :colour_ink, :logo_key, :logo_sha256, :background_key,
       :background_sha256, CAST(:signatories AS jsonb), CAST(:fields AS text[]),
       CAST(:custom_fields AS jsonb)
FROM public.certificate_template_versions WHERE template_id = :template_id
RETURNING version;

-- name: template_versions
-- Versions of templates, newest first (a NULL version: every version).
SELECT t.id AS template_id, t.community_id, t.name, v.version, v.layout, v.font_family,
       v.colour_primary, v.colour_accent, v.colour_paper, v.colour_ink, v.logo_key,
       v.logo_sha256, v.background_key, v.background_sha256, v.signatories, v.fields,
       v.custom_fields, v.created_at, v.created_by
FROM public.certificate_templates t
JOIN public.certificate_template_versions v ON v.template_id = t.id
WHERE t.id = :id AND (CAST(:version AS integer) IS NULL OR v.version = :version)
ORDER BY v.version DESC;

-- name: templates_listed
-- Every template (of one community, or all) with its newest version and its bootcamps.
SELECT t.id, t.community_id, t.name, t.created_at,
       (SELECT max(v.version) FROM public.certificate_template_versions v
        WHERE v.template_id = t.id) AS version,
       ARRAY(SELECT b.id FROM public.bootcamp_programs b
             WHERE b.certificate_template_id = t.id ORDER BY b.id) AS bootcamps
FROM public.certificate_templates t
WHERE CAST(:community_id AS text) IS NULL OR t.community_id = :community_id
ORDER BY t.community_id, t.name, t.id;

-- name: bootcamp_look
-- A bootcamp's template and locale (of this community; NULL: any).
SELECT id, community_id, certificate_template_id, certificate_locale
FROM public.bootcamp_programs
WHERE id = :id AND (CAST(:community_id AS text) IS NULL OR community_id = :community_id);

-- name: bootcamp_assign
UPDATE public.bootcamp_programs
SET certificate_template_id = :template_id,
    certificate_locale = coalesce(:locale, certificate_locale),
    updated_at = now()
WHERE id = :id
RETURNING id, community_id, certificate_template_id, certificate_locale;

-- name: enrollment_look
-- What an enrollment's certificate is printed with: the bootcamp's template (its
-- newest version), the learner's locale else the bootcamp's, the score and the
-- custom fields the app reported.
SELECT b.certificate_template_id AS template_id,
       (SELECT max(v.version) FROM public.certificate_template_versions v
        WHERE v.template_id = b.certificate_template_id) AS template_version,
       coalesce(u.certificate_locale, b.certificate_locale) AS locale,
       e.certificate_score AS score, e.certificate_score_out_of AS score_out_of,
       e.certificate_fields AS custom_values, u.email
FROM public.bootcamp_enrollments e
JOIN public.user_profiles u ON u.id = e.user_profile_id
JOIN public.cohorts c ON c.id = e.cohort_id
JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
WHERE e.id = :enrollment_id;

-- name: learner_locale_set
-- The app's learner (row-level security: another community's is not found).
UPDATE public.user_profiles SET certificate_locale = :locale, updated_at = now()
WHERE id = :user_profile_id
RETURNING id;

-- name: enrollment_facts_set
UPDATE public.bootcamp_enrollments
SET certificate_score = :score, certificate_score_out_of = :out_of,
    certificate_fields = CAST(:fields AS jsonb)
WHERE id = :enrollment_id
RETURNING id;

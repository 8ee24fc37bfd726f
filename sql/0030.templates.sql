-- Issuer templates (issue 22): a community's certificate looks, versioned. A
-- template is a name; each change is a new immutable version row (what it
-- draws: layout, font family, colours, images by object key and sha256,
-- signatories, optional and custom fields). A bootcamp points at a template and
-- prints its newest version, in the bootcamp's locale unless the learner has
-- one. Each certificate version records the template version and locale it was
-- printed with: an issued PDF never changes, `certflow certificate rerender`
-- makes a new version with the template as it is then.
-- depends: 0029.webhooks

CREATE TABLE public.certificate_templates (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id text NOT NULL REFERENCES public.communities (id),
    name text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    -- The target of bootcamp_programs' (community, template) key: a bootcamp can
    -- only point at a template of its own community.
    UNIQUE (community_id, id)
);

-- Hex colour '#RRGGBB'; an image is its object key and the sha256 (hex) of its bytes.
CREATE TABLE public.certificate_template_versions (
    template_id uuid NOT NULL REFERENCES public.certificate_templates (id),
    version integer NOT NULL CHECK (version >= 1),
    layout text NOT NULL DEFAULT 'classic' CHECK (layout IN ('classic', 'modern')),
    font_family text NOT NULL DEFAULT 'serif' CHECK (font_family IN ('serif', 'sans')),
    colour_primary text NOT NULL CHECK (colour_primary ~ '^#[0-9A-Fa-f]{6}$'),
    colour_accent text NOT NULL CHECK (colour_accent ~ '^#[0-9A-Fa-f]{6}$'),
    colour_paper text NOT NULL CHECK (colour_paper ~ '^#[0-9A-Fa-f]{6}$'),
    colour_ink text NOT NULL CHECK (colour_ink ~ '^#[0-9A-Fa-f]{6}$'),
    logo_key text,
    logo_sha256 text CHECK (logo_sha256 ~ '^[0-9a-f]{64}$'),
    background_key text,
    background_sha256 text CHECK (background_sha256 ~ '^[0-9a-f]{64}$'),
    -- [{"name", "title", "signature": {"key", "sha256"} or null}], in printed order.
    signatories jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(signatories) = 'array'),
    -- Optional facts printed when the certificate has a value (render.template.OptionalField).
    fields text[] NOT NULL DEFAULT '{cohort,total_xp}'
        CHECK (fields <@ '{score,email,cohort,total_xp}'::text[]),
    -- [{"key", "label", "value"}]: printed in order; the enrollment's
    -- certificate_fields[key] wins over "value" (a default); no value, not printed.
    custom_fields jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(custom_fields) = 'array'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (template_id, version),
    CHECK ((logo_key IS NULL) = (logo_sha256 IS NULL)),
    CHECK ((background_key IS NULL) = (background_sha256 IS NULL))
);

-- The bootcamp's look and language. No template: certflow's own look.
ALTER TABLE public.bootcamp_programs
    ADD COLUMN certificate_template_id uuid,
    ADD COLUMN certificate_locale text NOT NULL DEFAULT 'en'
        CHECK (certificate_locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    ADD CONSTRAINT bootcamp_programs_template_of_community
        FOREIGN KEY (community_id, certificate_template_id)
        REFERENCES public.certificate_templates (community_id, id);

-- The learner's language, which the app may set (it may already update its
-- community's profiles): a person's language, whatever the bootcamp.
ALTER TABLE public.user_profiles
    ADD COLUMN certificate_locale text
        CHECK (certificate_locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$');

-- What the app reports for an enrollment: a score (out of certificate_score_out_of;
-- a percentage is out of 100) and the values of templates' custom fields.
ALTER TABLE public.bootcamp_enrollments
    ADD COLUMN certificate_score numeric(12, 2) CHECK (certificate_score >= 0),
    ADD COLUMN certificate_score_out_of numeric(12, 2) CHECK (certificate_score_out_of > 0),
    ADD COLUMN certificate_fields jsonb NOT NULL DEFAULT '{}'
        CHECK (jsonb_typeof(certificate_fields) = 'object'),
    ADD CONSTRAINT bootcamp_enrollments_score_out_of
        CHECK (certificate_score_out_of IS NULL OR certificate_score IS NOT NULL);

-- What each certificate version was printed with. No template: certflow's own
-- look; versions printed before this migration were all English in that look.
ALTER TABLE public.certificate_printed_fields
    ADD COLUMN template_id uuid,
    ADD COLUMN template_version integer,
    ADD COLUMN locale text NOT NULL DEFAULT 'en',
    ADD COLUMN score numeric(12, 2),
    ADD COLUMN score_out_of numeric(12, 2),
    ADD CONSTRAINT certificate_printed_fields_template_version
        FOREIGN KEY (template_id, template_version)
        REFERENCES public.certificate_template_versions (template_id, version);

-- Versions are immutable: nobody is granted UPDATE or DELETE on them. Admins
-- (the CLI, /admin) manage templates; the render worker reads them.
REVOKE ALL ON public.certificate_templates, public.certificate_template_versions FROM PUBLIC;
GRANT SELECT, INSERT ON public.certificate_templates, public.certificate_template_versions
    TO certflow_admin;
GRANT SELECT ON public.certificate_templates, public.certificate_template_versions
    TO certflow_worker;
-- The app reads its community's templates (RLS) and reports score and fields.
GRANT SELECT ON public.certificate_templates, public.certificate_template_versions
    TO certflow_app;
GRANT UPDATE (certificate_score, certificate_score_out_of, certificate_fields)
    ON public.bootcamp_enrollments TO certflow_app;

ALTER TABLE public.certificate_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.certificate_template_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_community ON public.certificate_templates FOR SELECT TO certflow_app
    USING (community_id = public.current_community_id());
CREATE POLICY tenant_community ON public.certificate_template_versions FOR SELECT
    TO certflow_app
    USING (EXISTS (SELECT 1 FROM public.certificate_templates t WHERE t.id = template_id));
CREATE POLICY pipeline_all ON public.certificate_templates TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.certificate_template_versions
    TO certflow_worker, certflow_admin USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.certificate_templates TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.certificate_template_versions TO certflow_owner
    USING (true) WITH CHECK (true);

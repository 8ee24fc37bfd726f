-- The HTTP API (/api/v1): API keys per community, each community's token
-- settings (JWKS, issuer, audience, subject claim), and the certflow_api group
-- role its login is a member of.
--
-- The API's login reads keys and token settings as itself; for each request,
-- after it has verified a key or a token, it takes the role the caller is
-- (SET LOCAL ROLE certflow_app, certflow_learner or certflow_instructor) and
-- names the community (and the learner or instructor) with SET LOCAL
-- certflow.* settings, so every row-level policy and grant of that role applies.
-- certflow_api is NOINHERIT: its login never holds the three roles' rights at
-- once (an app policy must not widen an instructor's update), only the role it
-- took for the request.
-- depends: 0021.applied_rules

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_api') THEN
        CREATE ROLE certflow_api NOLOGIN NOINHERIT;
    END IF;
END
$$;
ALTER ROLE certflow_api NOINHERIT;
GRANT certflow_app, certflow_learner, certflow_instructor TO certflow_api;

-- A key is shown once; only its sha256 is kept. The prefix (cfk_ and 12 hex
-- characters) is public: it finds the row and names the key in lists and logs.
CREATE TABLE public.api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id text NOT NULL REFERENCES public.communities (id) ON DELETE CASCADE,
    prefix text NOT NULL UNIQUE CHECK (prefix ~ '^cfk_[0-9a-f]{12}$'),
    secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
    name text NOT NULL DEFAULT '' CHECK (pg_catalog.length(name) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX idx_api_keys_community ON public.api_keys (community_id, created_at);

-- How a community's learners and instructors prove who they are: the app's own
-- JWTs (Privy, Supabase, Auth0, Keycloak publish a JWKS). A token is matched to
-- its community by (issuer, audience), then verified with that community's keys.
CREATE TABLE public.community_auth (
    community_id text PRIMARY KEY REFERENCES public.communities (id) ON DELETE CASCADE,
    jwks_url text NOT NULL CHECK (jwks_url ~ '^https?://' AND pg_catalog.length(jwks_url) <= 500),
    issuer text NOT NULL CHECK (issuer <> '' AND pg_catalog.length(issuer) <= 300),
    audience text NOT NULL CHECK (audience <> '' AND pg_catalog.length(audience) <= 300),
    -- The claim that names the learner, matched against user_profiles.privy_user_id.
    subject_claim text NOT NULL DEFAULT 'sub'
        CHECK (subject_claim ~ '^[A-Za-z_][A-Za-z0-9_.:/-]{0,99}$'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, audience)
);

REVOKE ALL ON public.api_keys, public.community_auth FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO certflow_api;
GRANT SELECT ON public.api_keys, public.community_auth, public.certificate_flags TO certflow_api;
GRANT UPDATE (last_used_at) ON public.api_keys TO certflow_api;
-- Admins create, list and revoke keys and set a community's token settings (CLI, audited).
GRANT SELECT, INSERT, UPDATE ON public.api_keys, public.community_auth TO certflow_admin;

-- A learner (through the API) claims and reads the status of an enrollment it
-- found under its own row-level security (0014's learner_own): the EXECUTE
-- rights are with the functions, in sql/rules/claims.sql. It reads its own
-- certificates: the policies below are inert until row-level security is
-- enabled on these tables; then they keep a learner to its own certificates.
GRANT SELECT ON public.certificates, public.certificate_revocations TO certflow_learner;
CREATE POLICY api_learner_own_certificates ON public.certificates FOR SELECT TO certflow_learner
    USING (enrollment_id IN (SELECT e.id FROM public.bootcamp_enrollments e));
CREATE POLICY api_learner_own_revocations ON public.certificate_revocations FOR SELECT
    TO certflow_learner
    USING (enrollment_id IN (SELECT e.id FROM public.bootcamp_enrollments e));

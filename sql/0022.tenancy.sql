-- Identity decides the tenant: a database login is bound to one community by an
-- admin (community_logins), and current_community_id() comes from that binding,
-- or, for the API server's logins alone (members of certflow_api), from the
-- setting the API sets after verifying a key or a token. The learner identity
-- (certflow.user_profile_id) is likewise read only on the API's path. Row-level
-- security now covers every table a tenant role reads. The functions that decide
-- the tenant, and the tenant-callable functions that check it, are in
-- sql/rules/tenancy.sql, claims.sql, activities.sql and milestones.sql.
-- depends: 0020.operations

-- The API server's group role: its logins may name the community and the learner
-- per transaction (SET LOCAL), because the server verified the key or token first.
-- NOINHERIT: it holds no tenant's rights until it becomes the tenant's role for a
-- transaction (SET LOCAL ROLE certflow_app, certflow_learner or certflow_instructor).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_api') THEN
        CREATE ROLE certflow_api NOLOGIN NOINHERIT;
    END IF;
END
$$;
GRANT certflow_app, certflow_learner, certflow_instructor TO certflow_api;

-- Functions the owner creates from now on are not callable by PUBLIC unless granted
-- (0004 and 0014 revoked it one function at a time, and a forgotten one would be
-- callable by all). Not IN SCHEMA: a per-schema default can only add rights.
ALTER DEFAULT PRIVILEGES FOR ROLE certflow_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- A community's id is its slug: bounded and plain, since it is typed on command lines
-- and logged. NOT VALID: rows already there are kept.
ALTER TABLE public.communities
    ADD CONSTRAINT communities_slug CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$') NOT VALID,
    ADD CONSTRAINT communities_name_length
        CHECK (char_length(btrim(name)) BETWEEN 1 AND 200) NOT VALID;

-- Which community a database login acts for (`certflow communities grant-login`).
-- One community per login; a login with no row (and not the API's) sees no tenant row.
CREATE TABLE public.community_logins (
    -- pg_roles.rolname of a LOGIN role that is a member of certflow_app.
    login text PRIMARY KEY CHECK (login <> ''),
    community_id text NOT NULL REFERENCES public.communities (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    granted_by text NOT NULL DEFAULT session_user
);
CREATE INDEX idx_community_logins_community ON public.community_logins (community_id);

REVOKE ALL ON public.community_logins FROM PUBLIC;
ALTER TABLE public.community_logins ENABLE ROW LEVEL SECURITY;
CREATE POLICY admin_all ON public.community_logins TO certflow_admin USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.community_logins TO certflow_owner USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.community_logins TO certflow_admin;
-- current_community_id() runs as the owner and reads the binding of the session's login.
-- So do the lookups the policies and the tenant checks use (0015 granted the rest).
GRANT SELECT ON public.community_logins, public.cohort_milestones, public.cohort_instructors
    TO certflow_owner;

-- A learner an app creates is of the app's community (it may create no other:
-- its policy checks the row); a worker's or an admin's session has no community
-- and keeps 0014's 'default'.
ALTER TABLE public.user_profiles
    ALTER COLUMN community_id SET DEFAULT COALESCE(public.current_community_id(), 'default');

-- ============================================================ row-level security

-- The catalogue, certificates and what points at them. Each gets, as the
-- learner tables got in 0014: the tenant roles their community's rows; the
-- pipeline (worker, admin) and the owner's functions every row; the
-- verification site every row it has column rights on (anyone with a
-- certificate id may see that certificate).
ALTER TABLE public.communities ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.bootcamp_programs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cohorts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cohort_milestones ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cohort_instructors ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.achievements ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.certificates ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.certificate_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.offchain_attestations ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_community ON public.communities FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (id = public.current_community_id());
CREATE POLICY tenant_community ON public.bootcamp_programs FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (community_id = public.current_community_id());
CREATE POLICY tenant_community ON public.cohorts FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (public.community_of_cohort(id) = public.current_community_id());
CREATE POLICY tenant_community ON public.cohort_milestones FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (public.community_of_cohort(cohort_id) = public.current_community_id());
CREATE POLICY tenant_community ON public.cohort_instructors FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (public.community_of_cohort(cohort_id) = public.current_community_id());
-- An achievement with no community is everyone's.
CREATE POLICY tenant_community ON public.achievements FOR SELECT
    TO certflow_app, certflow_learner, certflow_instructor
    USING (community_id IS NULL OR community_id = public.current_community_id());
-- A certificate, its revocation and its off-chain attestation are the enrollment's:
-- visible exactly when the caller's own policies on bootcamp_enrollments show the
-- enrollment (an app: its community's; a learner: their own).
CREATE POLICY tenant_enrollment ON public.certificates FOR SELECT
    TO certflow_app, certflow_learner
    USING (EXISTS (SELECT 1 FROM public.bootcamp_enrollments e WHERE e.id = enrollment_id));
CREATE POLICY tenant_enrollment ON public.certificate_revocations FOR SELECT
    TO certflow_app, certflow_learner
    USING (EXISTS (SELECT 1 FROM public.bootcamp_enrollments e WHERE e.id = enrollment_id));
CREATE POLICY tenant_enrollment ON public.offchain_attestations FOR SELECT
    TO certflow_app, certflow_learner
    USING (EXISTS (SELECT 1 FROM public.bootcamp_enrollments e WHERE e.id = enrollment_id));

CREATE POLICY pipeline_all ON public.communities TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.bootcamp_programs TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.cohorts TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.cohort_milestones TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.cohort_instructors TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.achievements TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.certificates TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.certificate_revocations TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.offchain_attestations TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);

CREATE POLICY owner_all ON public.communities TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.bootcamp_programs TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.cohorts TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.cohort_milestones TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.cohort_instructors TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.achievements TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.certificates TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.certificate_revocations TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.offchain_attestations TO certflow_owner
    USING (true) WITH CHECK (true);

-- The verification site: what 0011 and 0017 grant it, for every certificate.
CREATE POLICY web_reads ON public.bootcamp_programs FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.cohorts FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.cohort_milestones FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.certificates FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.certificate_revocations FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.offchain_attestations FOR SELECT TO certflow_web USING (true);

-- A learner saw other learners' public awards of every community (0014): now of
-- their own community only.
DROP POLICY learner_own_or_public ON public.user_achievements;
CREATE POLICY learner_own_or_public ON public.user_achievements FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id()
           OR (is_public AND unlocked_at IS NOT NULL
               AND public.community_of_user(user_profile_id) = public.current_community_id()
               AND EXISTS (SELECT 1 FROM public.achievements a
                           WHERE a.id = achievement_id AND a.is_public)));

-- ============================================================ what a learner may reach

-- A learner (on the API's path) reads their certificates and their state, and
-- claims their own (the EXECUTE rights are in sql/rules/claims.sql; the
-- functions check that the enrollment is theirs).
GRANT SELECT ON public.certificates, public.certificate_revocations,
    public.offchain_attestations TO certflow_learner;

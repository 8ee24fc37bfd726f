-- Tenancy: who the caller is (community, learner) and the lookups the
-- row-level security policies of 0014 and 0015 use. Every function a tenant
-- can reach decides its community from these, never from its arguments.

-- The caller's community / learner, from the settings; NULL when unset, and
-- then the policies match nothing.
CREATE OR REPLACE FUNCTION public.current_community_id() RETURNS text
LANGUAGE sql STABLE
SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('certflow.community_id', true), '') $$;
REVOKE ALL ON FUNCTION public.current_community_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_community_id()
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

CREATE OR REPLACE FUNCTION public.current_user_profile_id() RETURNS uuid
LANGUAGE sql STABLE
SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('certflow.user_profile_id', true), '')::uuid $$;
REVOKE ALL ON FUNCTION public.current_user_profile_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_user_profile_id()
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- Lookups the policies use. SECURITY DEFINER: they read tables the caller's
-- own policies would hide (a policy on user_profiles must not recurse).
CREATE OR REPLACE FUNCTION public.community_of_user(p_user_profile_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$ SELECT u.community_id FROM public.user_profiles u WHERE u.id = p_user_profile_id $$;
REVOKE ALL ON FUNCTION public.community_of_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_user(uuid)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

CREATE OR REPLACE FUNCTION public.community_of_cohort(p_cohort_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT b.community_id FROM public.cohorts c
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id WHERE c.id = p_cohort_id
$$;
REVOKE ALL ON FUNCTION public.community_of_cohort(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_cohort(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

CREATE OR REPLACE FUNCTION public.community_of_milestone(p_milestone_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT public.community_of_cohort(m.cohort_id) FROM public.cohort_milestones m
    WHERE m.id = p_milestone_id
$$;
REVOKE ALL ON FUNCTION public.community_of_milestone(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_milestone(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- Does the caller (an instructor) teach the cohort of this milestone?
CREATE OR REPLACE FUNCTION public.instructs_milestone(p_milestone_id text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.cohort_milestones m
        JOIN public.cohort_instructors ci ON ci.cohort_id = m.cohort_id
        WHERE m.id = p_milestone_id AND ci.user_profile_id = public.current_user_profile_id())
$$;
REVOKE ALL ON FUNCTION public.instructs_milestone(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.instructs_milestone(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

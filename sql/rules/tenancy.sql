-- Who a session acts for. Identity decides the tenant; the client never does.
--   * A login bound to a community (community_logins, `certflow communities
--     grant-login`; only members of certflow_app are bound) acts for that
--     community whatever it SETs.
--   * A login of the API server (a member of certflow_api), which verified a key
--     or a token first, names the community, and for a learner or an instructor
--     the learner, per transaction: SET LOCAL certflow.community_id and
--     certflow.user_profile_id.
--   * Any other session acts for nobody: NULL, and the tenant policies match nothing.
--     A direct learner or instructor login sees nothing: learners come through the API.
-- The pipeline's sessions (worker and admin logins) and the schema's owner see
-- every community; the lookups below answer them for every row.
-- All SECURITY DEFINER: they read tables (community_logins, profiles, cohorts) that
-- the caller's own policies hide or that it has no right on. PL/pgSQL, not SQL:
-- the policies call them for every row, and PL/pgSQL keeps its plans for the
-- session where a SQL function with a pinned search_path is planned at each
-- call (an app's count of 40,000 progress rows took 8-13 s with SQL functions,
-- 2.5-2.8 s like this, as before identity-bound tenancy).

CREATE OR REPLACE FUNCTION public.current_community_id() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text;
BEGIN
    IF pg_catalog.pg_has_role(SESSION_USER, 'certflow_app', 'MEMBER') THEN
        SELECT l.community_id INTO v_community FROM public.community_logins l
        WHERE l.login = SESSION_USER;
        IF FOUND THEN
            RETURN v_community;
        END IF;
    END IF;
    IF pg_catalog.pg_has_role(SESSION_USER, 'certflow_api', 'MEMBER') THEN
        RETURN NULLIF(pg_catalog.current_setting('certflow.community_id', true), '');
    END IF;
    RETURN NULL;
END;
$$;
ALTER FUNCTION public.current_community_id() OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.current_community_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_community_id()
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- The learner (or instructor) the API named, if they are of the session's community.
CREATE OR REPLACE FUNCTION public.current_user_profile_id() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_id uuid;
BEGIN
    IF NOT pg_catalog.pg_has_role(SESSION_USER, 'certflow_api', 'MEMBER') THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO v_id FROM public.user_profiles u
    WHERE u.id = NULLIF(pg_catalog.current_setting('certflow.user_profile_id', true), '')::uuid
      AND u.community_id = public.current_community_id();
    RETURN v_id;
END;
$$;
ALTER FUNCTION public.current_user_profile_id() OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.current_user_profile_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.current_user_profile_id()
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- True when the session may see rows of this community: its own, or every one
-- for the pipeline and the owner.
CREATE OR REPLACE FUNCTION public.session_sees_community(p_community_id text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    RETURN pg_catalog.pg_has_role(SESSION_USER, 'certflow_worker', 'MEMBER')
        OR pg_catalog.pg_has_role(SESSION_USER, 'certflow_owner', 'MEMBER')
        OR p_community_id = public.current_community_id();
END;
$$;
ALTER FUNCTION public.session_sees_community(text) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.session_sees_community(text) FROM PUBLIC;

-- Lookups the policies use. A tenant gets its own community back, and NULL for
-- another community's id exactly as for an id that does not exist (the policies
-- call these with the tenant's rights, so a tenant may call them too).
CREATE OR REPLACE FUNCTION public.community_of_user(p_user_profile_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text;
BEGIN
    SELECT u.community_id INTO v_community FROM public.user_profiles u
    WHERE u.id = p_user_profile_id;
    IF public.session_sees_community(v_community) THEN
        RETURN v_community;
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION public.community_of_user(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_user(uuid)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

CREATE OR REPLACE FUNCTION public.community_of_cohort(p_cohort_id text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text;
BEGIN
    SELECT b.community_id INTO v_community FROM public.cohorts c
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id WHERE c.id = p_cohort_id;
    IF public.session_sees_community(v_community) THEN
        RETURN v_community;
    END IF;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION public.community_of_cohort(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_cohort(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- NULL for a milestone certflow does not know (an app may write progress for it:
-- check_completion reports it); '' (no community) for another community's, which
-- the progress policy refuses.
CREATE OR REPLACE FUNCTION public.community_of_milestone(p_milestone_id text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text;
BEGIN
    SELECT b.community_id INTO v_community FROM public.cohort_milestones m
    JOIN public.cohorts c ON c.id = m.cohort_id
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
    WHERE m.id = p_milestone_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF public.session_sees_community(v_community) THEN
        RETURN v_community;
    END IF;
    RETURN '';
END;
$$;
REVOKE ALL ON FUNCTION public.community_of_milestone(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.community_of_milestone(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- Does the session's instructor teach this milestone's cohort (in its community)?
CREATE OR REPLACE FUNCTION public.instructs_milestone(p_milestone_id text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM public.cohort_milestones m
        JOIN public.cohort_instructors ci ON ci.cohort_id = m.cohort_id
        WHERE m.id = p_milestone_id AND ci.user_profile_id = public.current_user_profile_id()
          AND public.community_of_cohort(m.cohort_id) = public.current_community_id());
END;
$$;
REVOKE ALL ON FUNCTION public.instructs_milestone(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.instructs_milestone(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;

-- The check every SECURITY DEFINER function a tenant may call makes (those see
-- every row as their owner): may the session act on this learner's row (and this
-- cohort's)? The pipeline and the owner: always. A tenant: when both are of its
-- community and, when it acts for a learner (the API's learner path), the
-- learner is that one. Otherwise the function answers as for an id that does not exist.
CREATE OR REPLACE FUNCTION public.session_may_act_for(p_user_profile_id uuid,
    p_cohort_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    RETURN public.community_of_user(p_user_profile_id) IS NOT NULL
       AND (p_cohort_id IS NULL OR public.community_of_cohort(p_cohort_id) IS NOT NULL)
       AND COALESCE(public.current_user_profile_id() = p_user_profile_id, true);
END;
$$;
ALTER FUNCTION public.session_may_act_for(uuid, text) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.session_may_act_for(uuid, text) FROM PUBLIC;

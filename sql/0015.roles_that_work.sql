-- Roles that work, least privilege: a non-login owner role owns the functions
-- that must run with more rights than their caller (the milestone trigger, the
-- claim entry point); the app can no longer write the outbox, the ledger or
-- completion activities, nor call internal functions; only the admin role
-- creates replay events and writes the feature flags; the worker role gets
-- what the pipeline (reconciler and retention included) needs.
-- depends: 0014.achievements

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_owner') THEN
        CREATE ROLE certflow_owner NOLOGIN;
    END IF;
END
$$;

-- The owner role must be able to do what its SECURITY DEFINER functions do,
-- whoever created the tables.
GRANT USAGE ON SCHEMA public TO certflow_owner;
GRANT SELECT, INSERT, UPDATE ON public.event_outbox, public.bootcamp_enrollments
    TO certflow_owner;
GRANT SELECT ON public.outbox_relay_state, public.certificate_flags, public.cohorts,
    public.bootcamp_programs TO certflow_owner;
GRANT EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.claim_certificate(uuid, boolean) TO certflow_owner;

-- The milestone trigger writes the outbox with the owner's rights, so the app
-- needs no right on the outbox at all (not even the SELECT its ON CONFLICT needs).
ALTER FUNCTION public.enqueue_milestone_completed() SECURITY DEFINER;
ALTER FUNCTION public.enqueue_milestone_completed() OWNER TO certflow_owner;
ALTER FUNCTION public.request_certificate_claim(uuid) OWNER TO certflow_owner;

-- The app: no outbox, no internal functions. Trigger functions need no EXECUTE
-- right to fire (it is checked when the trigger is created).
REVOKE INSERT ON public.event_outbox FROM certflow_app;
REVOKE SELECT ON public.outbox_relay_state FROM certflow_app;
REVOKE EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.enqueue_milestone_completed(), public.touch_updated_at() FROM certflow_app;
-- The instructor's approval emits through the milestone trigger, which runs as
-- the owner: it needs no right on the outbox either (0014 gave it some).
REVOKE INSERT ON public.event_outbox FROM certflow_instructor;
REVOKE SELECT ON public.outbox_relay_state FROM certflow_instructor;
REVOKE EXECUTE ON FUNCTION public.emit_event(text, jsonb, text) FROM certflow_instructor;
GRANT INSERT ON public.user_activities TO certflow_app;
GRANT SELECT ON public.user_milestone_progress, public.user_profiles,
    public.bootcamp_completion_remarks TO certflow_app;

-- Activities: the app records what learners do, but a bootcamp_completed row
-- is the pipeline's (one per completed enrollment, unique): an app that could
-- insert one would squat it.
-- (Restrictive: it narrows 0014's community policy, which decides what the app sees.)
ALTER TABLE public.user_activities ENABLE ROW LEVEL SECURITY;
CREATE POLICY app_records_activities ON public.user_activities
    AS RESTRICTIVE FOR INSERT TO certflow_app WITH CHECK (activity_type <> 'bootcamp_completed');
CREATE POLICY pipeline_activities ON public.user_activities
    FOR ALL TO certflow_worker, certflow_admin USING (true) WITH CHECK (true);

-- The owner role's functions (the trigger, the claim entry point, the activity
-- event) read and write learner rows whatever community the caller's session
-- names: 0014's row-level security lets it, as it lets the workers.
CREATE POLICY owner_all ON public.user_profiles TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.bootcamp_enrollments TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.user_milestone_progress TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.user_activities TO certflow_owner USING (true) WITH CHECK (true);
GRANT SELECT ON public.user_profiles, public.user_activities TO certflow_owner;

-- record_activity (0014) wrote its event through emit_event, which the app may no
-- longer call: the event now comes from a function that can emit nothing but the
-- activity.recorded event of an activity row that exists, its key and payload
-- taken from that row (so no future key of anyone else can be squatted).
CREATE FUNCTION public.emit_activity_recorded(p_activity_id uuid) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_user uuid;
    v_kind text;
    v_date date;
BEGIN
    SELECT a.user_profile_id, a.activity_type, a.local_date INTO v_user, v_kind, v_date
    FROM public.user_activities a WHERE a.id = p_activity_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'No activity %', p_activity_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM public.emit_event(
        'activity.recorded',
        pg_catalog.jsonb_build_object('activity_id', p_activity_id, 'user_profile_id', v_user,
            'kind', v_kind, 'local_date', v_date),
        'activity.recorded:' || p_activity_id::text);
END;
$$;
ALTER FUNCTION public.emit_activity_recorded(uuid) OWNER TO certflow_owner;
REVOKE EXECUTE ON FUNCTION public.emit_activity_recorded(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.emit_activity_recorded(uuid) TO certflow_app, certflow_worker,
    certflow_admin;

CREATE OR REPLACE FUNCTION public.record_activity(p_user_profile_id uuid, p_kind text,
    p_occurred_at timestamptz DEFAULT now(), p_data jsonb DEFAULT '{}'::jsonb)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_time_zone text;
    v_id uuid;
    v_date date;
BEGIN
    IF p_kind IS NULL OR pg_catalog.btrim(p_kind) = '' OR p_kind = 'any' THEN
        RAISE EXCEPTION 'Activity kind must be a non-empty name other than "any", got %',
            COALESCE(pg_catalog.quote_literal(p_kind), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_occurred_at IS NULL THEN
        RAISE EXCEPTION 'Activity time (occurred_at) is required'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT u.time_zone INTO v_time_zone FROM public.user_profiles u WHERE u.id = p_user_profile_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Unknown user %: record_activity needs an existing user profile',
            COALESCE(p_user_profile_id::text, 'NULL')
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    v_date := (p_occurred_at AT TIME ZONE v_time_zone)::date;
    INSERT INTO public.user_activities (user_profile_id, activity_type, activity_data,
        occurred_at, local_date, time_zone)
    VALUES (p_user_profile_id, p_kind, COALESCE(p_data, '{}'::jsonb), p_occurred_at, v_date,
        v_time_zone)
    RETURNING id INTO v_id;
    PERFORM public.emit_activity_recorded(v_id);
    RETURN v_id;
END;
$$;

-- The outbox: workers write the pipeline's events, only the admin path a replay.
ALTER TABLE public.event_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY worker_reads_outbox ON public.event_outbox
    FOR SELECT TO certflow_worker USING (true);
-- Workers update only the dispatch columns (column rights below), so an
-- update cannot turn an event into a replay either.
CREATE POLICY worker_dispatches_outbox ON public.event_outbox
    FOR UPDATE TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_prunes_outbox ON public.event_outbox
    FOR DELETE TO certflow_worker USING (true);
CREATE POLICY worker_emits_events ON public.event_outbox
    FOR INSERT TO certflow_worker WITH CHECK (kind <> 'replay');
CREATE POLICY admin_outbox ON public.event_outbox
    FOR ALL TO certflow_admin USING (true) WITH CHECK (true);
-- The owner role's functions (trigger, claim) insert with its rights.
CREATE POLICY owner_outbox ON public.event_outbox
    FOR ALL TO certflow_owner USING (true) WITH CHECK (true);

-- Workers: a bad event removes its own ledger key (so a replay after the fix
-- runs); the reconciler prunes old keys and dispatched events.
GRANT DELETE ON public.processed_messages, public.event_outbox TO certflow_worker;
REVOKE UPDATE ON public.event_outbox FROM certflow_worker;
GRANT UPDATE (dispatched_at, failed_at, last_error) ON public.event_outbox TO certflow_worker;
-- Only `certflow flags` (an admin) writes the feature flags.
REVOKE UPDATE ON public.certificate_flags FROM certflow_worker;
GRANT UPDATE ON public.certificate_flags TO certflow_admin;

-- Admins: the catalogue (bootcamps, cohorts, milestones, lock addresses) and
-- the enrollment and learner rows a repair touches.
GRANT INSERT, UPDATE ON public.bootcamp_programs, public.cohorts, public.user_profiles,
    public.bootcamp_enrollments, public.user_milestone_progress,
    public.bootcamp_completion_remarks TO certflow_admin;

-- The reconciler's and retention's scans: outbox rows by dispatch time, ledger
-- keys by age, dead letters by the outbox row they came from (the outbox
-- prune's foreign-key check reads it).
CREATE INDEX idx_event_outbox_dispatched ON public.event_outbox (dispatched_at)
    WHERE dispatched_at IS NOT NULL;
CREATE INDEX idx_processed_messages_processed_at ON public.processed_messages (processed_at);
CREATE INDEX idx_dead_letters_outbox ON public.dead_letters (outbox_id)
    WHERE outbox_id IS NOT NULL;
CREATE INDEX idx_dead_letters_open_key ON public.dead_letters (idempotency_key)
    WHERE replayed_at IS NULL;

-- emit_event runs as its owner (0014), so the outbox's row-level security does
-- not see who called it: it refuses replay events itself unless the session is
-- an admin's. Replays are the admin path's alone.
CREATE OR REPLACE FUNCTION public.emit_event(p_kind text, p_payload jsonb, p_idempotency_key text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF p_kind = 'replay' AND NOT pg_catalog.pg_has_role(session_user, 'certflow_admin', 'MEMBER')
    THEN
        RAISE EXCEPTION 'Only an admin may create replay events'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO public.event_outbox (kind, payload, idempotency_key)
    VALUES (p_kind, p_payload, p_idempotency_key)
    ON CONFLICT (idempotency_key) DO NOTHING;
    IF (SELECT s.waiting FROM public.outbox_relay_state s) THEN
        -- Constant payload: identical notifications in one transaction collapse.
        PERFORM pg_catalog.pg_notify('certflow', '');
    END IF;
END;
$$;

-- The certificate record prints the username when there is no display name:
-- the verification site (0011) reads it too.
GRANT SELECT (username) ON public.user_profiles TO certflow_web;

-- Activities: what apps call when a learner does something, and the one event
-- it may emit. The activity row and its activity.recorded event commit together.

-- The activity.recorded event of an activity row that exists, its key and payload
-- taken from that row (so no future key of anyone else can be squatted).
-- SECURITY DEFINER (the caller may not write the outbox), so it sees every
-- activity as its owner: an activity of another community's learner is refused
-- with the message of an activity that does not exist, and emits nothing.
CREATE OR REPLACE FUNCTION public.emit_activity_recorded(p_activity_id uuid) RETURNS void
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
    FROM public.user_activities a
    WHERE a.id = p_activity_id AND public.session_may_act_for(a.user_profile_id);
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
REVOKE ALL ON FUNCTION public.emit_activity_recorded(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.emit_activity_recorded(uuid)
    TO certflow_app, certflow_worker, certflow_admin;

-- What apps call when a learner does something ('login', 'lesson', ...).
-- SECURITY INVOKER: the app role's row-level security decides whose activity it
-- may record, and a learner of another community is as unknown as a made-up id.
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
REVOKE ALL ON FUNCTION public.record_activity(uuid, text, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.record_activity(uuid, text, timestamptz, jsonb)
    TO certflow_app, certflow_worker;

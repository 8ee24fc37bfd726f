-- Completion: the source's rule (every milestone of the cohort completed, and
-- the cohort has at least one), applied by the check_completion actor one event
-- or a batch at a time. Each completion writes one bootcamp_completed activity
-- and one enrollment.completed event in the same transaction. The admin
-- repairs that apply the same rule are in repairs.sql.

-- How many milestones the cohort has, and how many of them the learner completed.
CREATE OR REPLACE FUNCTION public.enrollment_milestone_counts(
    p_user_profile_id uuid, p_cohort_id text, OUT total integer, OUT completed integer)
LANGUAGE sql STABLE
SET search_path = ''
AS $$
    SELECT pg_catalog.count(*)::integer,
           (pg_catalog.count(*) FILTER (WHERE ump.status = 'completed'))::integer
    FROM public.cohort_milestones cm
    LEFT JOIN public.user_milestone_progress ump
        ON ump.milestone_id = cm.id AND ump.user_profile_id = p_user_profile_id
    WHERE cm.cohort_id = p_cohort_id
$$;
REVOKE ALL ON FUNCTION public.enrollment_milestone_counts(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.enrollment_milestone_counts(uuid, text) TO certflow_worker;

-- Marks the enrollment completed if it is eligible. Returns true when this
-- call completed it; concurrent callers serialize on the row and only one wins.
CREATE OR REPLACE FUNCTION public.complete_enrollment(p_enrollment_id uuid, p_completion_type text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_user uuid;
    v_cohort text;
BEGIN
    UPDATE public.bootcamp_enrollments e
    SET enrollment_status = 'completed',
        completion_date = pg_catalog.now(),
        milestones_completed_at = pg_catalog.now()
    WHERE e.id = p_enrollment_id
      AND e.enrollment_status <> 'completed'
      AND (SELECT c.total > 0 AND c.completed = c.total
           FROM public.enrollment_milestone_counts(e.user_profile_id, e.cohort_id) c)
    RETURNING e.user_profile_id, e.cohort_id INTO v_user, v_cohort;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO public.user_activities (user_profile_id, activity_type, activity_data)
    VALUES (v_user, 'bootcamp_completed', pg_catalog.jsonb_build_object(
        'enrollment_id', p_enrollment_id,
        'cohort_id', v_cohort,
        'completion_type', p_completion_type));

    PERFORM public.emit_event(
        'enrollment.completed',
        pg_catalog.jsonb_build_object(
            'enrollment_id', p_enrollment_id,
            'user_profile_id', v_user,
            'cohort_id', v_cohort),
        'enrollment.completed:' || p_enrollment_id::text);
    RETURN true;
END;
$$;
REVOKE ALL ON FUNCTION public.complete_enrollment(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.complete_enrollment(uuid, text) TO certflow_worker;

-- What check_completion runs for one milestone.completed event, in one round trip.
CREATE OR REPLACE FUNCTION public.check_milestone_completion(p_user_profile_id uuid,
    p_milestone_id text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_cohort text;
    v_enrollment uuid;
    v_status text;
BEGIN
    SELECT cm.cohort_id INTO v_cohort FROM public.cohort_milestones cm WHERE cm.id = p_milestone_id;
    IF v_cohort IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('outcome', 'unknown_milestone');
    END IF;

    SELECT e.id, e.enrollment_status INTO v_enrollment, v_status
    FROM public.bootcamp_enrollments e
    WHERE e.user_profile_id = p_user_profile_id AND e.cohort_id = v_cohort;
    IF v_enrollment IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('outcome', 'no_enrollment', 'cohort_id', v_cohort);
    END IF;

    IF v_status = 'completed' THEN
        RETURN pg_catalog.jsonb_build_object('outcome', 'already_completed',
            'cohort_id', v_cohort, 'enrollment_id', v_enrollment);
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'outcome', CASE WHEN public.complete_enrollment(v_enrollment, 'automatic')
                        THEN 'completed' ELSE 'incomplete' END,
        'cohort_id', v_cohort, 'enrollment_id', v_enrollment);
END;
$$;
REVOKE ALL ON FUNCTION public.check_milestone_completion(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.check_milestone_completion(uuid, text) TO certflow_worker;

-- check_completion's whole effect in one statement (so one round trip, atomic
-- without an explicit transaction): record the idempotency key, apply the rule.
-- A duplicate waits on the ledger's primary key for the first copy to commit,
-- then finds the key and does nothing. A bad event leaves no key behind, so a
-- replay after the data is fixed runs.
CREATE OR REPLACE FUNCTION public.handle_milestone_completed(
    p_actor text, p_key text, p_message_id text, p_user_profile_id uuid, p_milestone_id text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_result jsonb;
BEGIN
    INSERT INTO public.processed_messages (actor, idempotency_key, message_id)
    VALUES (p_actor, p_key, p_message_id)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN pg_catalog.jsonb_build_object('outcome', 'duplicate');
    END IF;

    v_result := public.check_milestone_completion(p_user_profile_id, p_milestone_id);
    IF v_result ->> 'outcome' IN ('unknown_milestone', 'no_enrollment') THEN
        DELETE FROM public.processed_messages WHERE actor = p_actor AND idempotency_key = p_key;
    END IF;
    RETURN v_result;
END;
$$;
REVOKE ALL ON FUNCTION public.handle_milestone_completed(text, text, text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.handle_milestone_completed(text, text, text, uuid, text)
    TO certflow_worker;

-- check_completion's whole effect for many milestone.completed events in one
-- call. Each event's idempotency key still goes to the ledger; the completion
-- rule runs once per enrollment the batch touches; a bad event (unknown
-- milestone, no enrollment) gets no key and is reported back, so the rest of
-- the batch goes through.
CREATE OR REPLACE FUNCTION public.handle_milestones_completed(p_actor text, p_message_id text,
    p_events jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_claimed text[];
    v_completed uuid[];
BEGIN
    -- Keys in sorted order: two copies of a batch (a redelivery) wait on each
    -- other in the same order instead of deadlocking.
    WITH resolved AS (
        SELECT ev.key, e.id AS enrollment_id
        FROM pg_catalog.jsonb_to_recordset(p_events)
            AS ev(key text, user_profile_id uuid, milestone_id text)
        JOIN public.cohort_milestones cm ON cm.id = ev.milestone_id
        JOIN public.bootcamp_enrollments e
            ON e.user_profile_id = ev.user_profile_id AND e.cohort_id = cm.cohort_id
        ORDER BY ev.key
    ), claimed AS (
        INSERT INTO public.processed_messages (actor, idempotency_key, message_id)
        SELECT DISTINCT p_actor, r.key, p_message_id FROM resolved r
        ON CONFLICT DO NOTHING
        RETURNING idempotency_key
    )
    SELECT pg_catalog.array_agg(c.idempotency_key) INTO v_claimed FROM claimed c;

    WITH touched AS (
        -- Locked in id order, so concurrent batches never deadlock on enrollments.
        SELECT e.id FROM public.bootcamp_enrollments e
        WHERE e.enrollment_status <> 'completed'
          AND (e.user_profile_id, e.cohort_id) IN (
              SELECT ev.user_profile_id, cm.cohort_id
              FROM pg_catalog.jsonb_to_recordset(p_events)
                  AS ev(key text, user_profile_id uuid, milestone_id text)
              JOIN public.cohort_milestones cm ON cm.id = ev.milestone_id
              WHERE ev.key = ANY(v_claimed))
        ORDER BY e.id
        FOR UPDATE OF e
    ), completed AS (
        UPDATE public.bootcamp_enrollments e
        SET enrollment_status = 'completed',
            completion_date = pg_catalog.now(),
            milestones_completed_at = pg_catalog.now()
        WHERE e.id IN (SELECT t.id FROM touched t)
          AND e.enrollment_status <> 'completed'
          AND (SELECT c.total > 0 AND c.completed = c.total
               FROM public.enrollment_milestone_counts(e.user_profile_id, e.cohort_id) c)
        RETURNING e.id, e.user_profile_id, e.cohort_id
    ), activities AS (
        INSERT INTO public.user_activities (user_profile_id, activity_type, activity_data)
        SELECT c.user_profile_id, 'bootcamp_completed', pg_catalog.jsonb_build_object(
            'enrollment_id', c.id, 'cohort_id', c.cohort_id, 'completion_type', 'automatic')
        FROM completed c
        ON CONFLICT DO NOTHING
    ), events AS (
        INSERT INTO public.event_outbox (kind, payload, idempotency_key)
        SELECT 'enrollment.completed',
               pg_catalog.jsonb_build_object('enrollment_id', c.id,
                   'user_profile_id', c.user_profile_id, 'cohort_id', c.cohort_id),
               'enrollment.completed:' || c.id::text
        FROM completed c
        ON CONFLICT (idempotency_key) DO NOTHING
    )
    SELECT pg_catalog.array_agg(c.id) INTO v_completed FROM completed c;

    IF v_completed IS NOT NULL AND (SELECT s.waiting FROM public.outbox_relay_state s) THEN
        PERFORM pg_catalog.pg_notify('certflow', '');
    END IF;

    RETURN COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'key', ev.key,
                   'outcome', CASE
                       WHEN cm.id IS NULL THEN 'unknown_milestone'
                       WHEN e.id IS NULL THEN 'no_enrollment'
                       WHEN NOT ev.key = ANY(COALESCE(v_claimed, '{}')) THEN 'duplicate'
                       WHEN e.id = ANY(COALESCE(v_completed, '{}')) THEN 'completed'
                       WHEN e.enrollment_status = 'completed' THEN 'already_completed'
                       ELSE 'incomplete' END,
                   'enrollment_id', e.id, 'cohort_id', cm.cohort_id) ORDER BY ev.key)
        FROM pg_catalog.jsonb_to_recordset(p_events)
            AS ev(key text, user_profile_id uuid, milestone_id text)
        LEFT JOIN public.cohort_milestones cm ON cm.id = ev.milestone_id
        LEFT JOIN public.bootcamp_enrollments e
            ON e.user_profile_id = ev.user_profile_id AND e.cohort_id = cm.cohort_id
    ), '[]'::jsonb);
END;
$$;
REVOKE ALL ON FUNCTION public.handle_milestones_completed(text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.handle_milestones_completed(text, text, jsonb) TO certflow_worker;

-- Source 4.5: milestones cannot be added once a certificate of the bootcamp exists.
CREATE OR REPLACE FUNCTION public.refuse_milestone_after_certificates() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_bootcamp text;
BEGIN
    SELECT c.bootcamp_program_id INTO v_bootcamp FROM public.cohorts c WHERE c.id = NEW.cohort_id;
    IF EXISTS (
        SELECT 1 FROM public.bootcamp_enrollments e
        JOIN public.cohorts c ON c.id = e.cohort_id
        WHERE c.bootcamp_program_id = v_bootcamp AND e.certificate_issued
    ) THEN
        RAISE EXCEPTION 'Cannot add milestones - certificates already issued for this bootcamp'
            USING ERRCODE = 'check_violation', DETAIL = 'bootcampId=' || v_bootcamp;
    END IF;
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION public.refuse_milestone_after_certificates() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.refuse_milestone_after_certificates() TO certflow_admin;

CREATE OR REPLACE TRIGGER trg_refuse_milestone_after_certificates
    BEFORE INSERT ON public.cohort_milestones
    FOR EACH ROW EXECUTE FUNCTION public.refuse_milestone_after_certificates();

-- Completion: the source's rule (every milestone of the cohort completed, and
-- the cohort has at least one) applied by the check_completion actor and by
-- the admin repair functions. Each completion writes one bootcamp_completed
-- activity and one enrollment.completed event in the same transaction.
-- depends: 0002.outbox

CREATE FUNCTION public.enrollment_milestone_counts(p_user_profile_id uuid, p_cohort_id text,
    OUT total integer, OUT completed integer)
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

-- Marks the enrollment completed if it is eligible. Returns true when this
-- call completed it; concurrent callers serialize on the row and only one wins.
CREATE FUNCTION public.complete_enrollment(p_enrollment_id uuid, p_completion_type text)
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

-- What check_completion runs for one milestone.completed event, in one round trip.
CREATE FUNCTION public.check_milestone_completion(p_user_profile_id uuid, p_milestone_id text)
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

-- check_completion's whole effect in one statement (so one round trip, atomic
-- without an explicit transaction): record the idempotency key, apply the rule.
-- A duplicate waits on the ledger's primary key for the first copy to commit,
-- then finds the key and does nothing. A bad event leaves no key behind, so a
-- replay after the data is fixed runs.
CREATE FUNCTION public.handle_milestone_completed(p_actor text, p_key text, p_message_id text,
    p_user_profile_id uuid, p_milestone_id text)
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

-- Admin: fix one stuck completion status (source 1.3, same JSON).
CREATE FUNCTION public.fix_completion_status(p_enrollment_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_user uuid;
    v_cohort text;
    v_status text;
    v_total integer;
    v_completed integer;
BEGIN
    SELECT e.user_profile_id, e.cohort_id, e.enrollment_status
    INTO v_user, v_cohort, v_status
    FROM public.bootcamp_enrollments e WHERE e.id = p_enrollment_id;

    IF v_user IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'message', 'Enrollment not found');
    END IF;

    SELECT c.total, c.completed INTO v_total, v_completed
    FROM public.enrollment_milestone_counts(v_user, v_cohort) c;

    IF v_completed = v_total AND v_total > 0 AND v_status <> 'completed'
       AND public.complete_enrollment(p_enrollment_id, 'admin_fix') THEN
        RETURN pg_catalog.jsonb_build_object(
            'success', true,
            'message', 'Status fixed successfully',
            'previous_status', v_status,
            'new_status', 'completed',
            'milestones_completed', v_completed,
            'total_milestones', v_total);
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'success', false,
        'message', 'Not eligible for completion',
        'current_status', v_status,
        'milestones_completed', v_completed,
        'total_milestones', v_total,
        'reason', CASE
            WHEN v_total = 0 THEN 'No milestones found for cohort'
            WHEN v_completed < v_total THEN 'Not all milestones completed'
            WHEN v_status = 'completed' THEN 'Already marked complete'
            ELSE 'Unknown'
        END);
END;
$$;

-- Admin: fix every eligible enrollment of a cohort (up to p_limit) in one
-- statement. The source called fix_completion_status once per enrollment.
CREATE FUNCTION public.fix_completion_statuses(p_cohort_id text, p_limit integer DEFAULT 500)
RETURNS jsonb
LANGUAGE sql
SET search_path = ''
AS $$
    WITH candidates AS (
        SELECT e.id, e.user_profile_id, e.enrollment_status, c.total, c.completed,
               (c.total > 0 AND c.completed = c.total) AS eligible
        FROM public.bootcamp_enrollments e
        CROSS JOIN LATERAL public.enrollment_milestone_counts(e.user_profile_id, e.cohort_id) c
        WHERE e.cohort_id = p_cohort_id AND e.enrollment_status <> 'completed'
    ),
    chosen AS (
        SELECT id FROM candidates WHERE eligible ORDER BY id LIMIT p_limit
    ),
    fixed AS (
        UPDATE public.bootcamp_enrollments e
        SET enrollment_status = 'completed',
            completion_date = pg_catalog.now(),
            milestones_completed_at = pg_catalog.now()
        FROM candidates c
        WHERE e.id = c.id AND c.id IN (SELECT id FROM chosen)
          AND e.enrollment_status <> 'completed'
        RETURNING e.id, e.user_profile_id, c.enrollment_status AS previous_status
    ),
    activities AS (
        INSERT INTO public.user_activities (user_profile_id, activity_type, activity_data)
        SELECT f.user_profile_id, 'bootcamp_completed', pg_catalog.jsonb_build_object(
            'enrollment_id', f.id, 'cohort_id', p_cohort_id, 'completion_type', 'admin_fix')
        FROM fixed f
        ON CONFLICT DO NOTHING
    ),
    events AS (
        INSERT INTO public.event_outbox (kind, payload, idempotency_key)
        SELECT 'enrollment.completed',
               pg_catalog.jsonb_build_object('enrollment_id', f.id,
                   'user_profile_id', f.user_profile_id, 'cohort_id', p_cohort_id),
               'enrollment.completed:' || f.id::text
        FROM fixed f
        ON CONFLICT (idempotency_key) DO NOTHING
    ),
    wake AS (
        SELECT pg_catalog.pg_notify('certflow', '')
        FROM public.outbox_relay_state s
        WHERE s.waiting AND EXISTS (SELECT 1 FROM fixed)
    )
    SELECT pg_catalog.jsonb_build_object(
        'fixed', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'enrollmentId', f.id, 'userId', f.user_profile_id,
                    'previousStatus', f.previous_status) ORDER BY f.id) FROM fixed f),
                 '[]'::jsonb),
        'skipped', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'enrollmentId', c.id,
                    'reason', CASE WHEN c.total = 0 THEN 'No milestones found for cohort'
                                   ELSE 'Not all milestones completed' END) ORDER BY c.id)
                  FROM (SELECT * FROM candidates WHERE NOT eligible ORDER BY id LIMIT p_limit) c),
                 '[]'::jsonb),
        'total', (SELECT pg_catalog.count(*) FROM fixed)
               + (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM candidates WHERE NOT eligible
                                                   LIMIT p_limit) s)
    )
    FROM (SELECT pg_catalog.count(*) FROM wake) w
$$;

-- Admin: clear a stuck claim flag (source 1.3, same JSON).
CREATE FUNCTION public.force_clear_claim_lock(p_enrollment_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    UPDATE public.bootcamp_enrollments
    SET certificate_claim_in_progress = false
    WHERE id = p_enrollment_id;

    IF FOUND THEN
        RETURN pg_catalog.jsonb_build_object(
            'success', true, 'message', 'Claim lock cleared', 'enrollment_id', p_enrollment_id);
    END IF;
    RETURN pg_catalog.jsonb_build_object('success', false, 'message', 'Enrollment not found');
END;
$$;

-- Source 4.5: milestones cannot be added once a certificate of the bootcamp exists.
CREATE FUNCTION public.refuse_milestone_after_certificates() RETURNS trigger
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

CREATE TRIGGER trg_refuse_milestone_after_certificates
    BEFORE INSERT ON public.cohort_milestones
    FOR EACH ROW EXECUTE FUNCTION public.refuse_milestone_after_certificates();

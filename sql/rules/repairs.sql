-- Admin repairs (source 1.3, same JSON): fix a stuck completion status, for
-- one enrollment or a whole cohort in one statement, and clear a stuck claim
-- lock. Only certflow_admin may call them.

-- Admin: fix one stuck completion status (source 1.3, same JSON).
CREATE OR REPLACE FUNCTION public.fix_completion_status(p_enrollment_id uuid)
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
REVOKE ALL ON FUNCTION public.fix_completion_status(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.fix_completion_status(uuid) TO certflow_admin;

-- Admin: fix every eligible enrollment of a cohort (up to p_limit) in one
-- statement. The source called fix_completion_status once per enrollment.
CREATE OR REPLACE FUNCTION public.fix_completion_statuses(p_cohort_id text,
    p_limit integer DEFAULT 500)
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
REVOKE ALL ON FUNCTION public.fix_completion_statuses(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.fix_completion_statuses(text, integer) TO certflow_admin;

-- Admin: clear a stuck claim flag (source 1.3, same JSON).
CREATE OR REPLACE FUNCTION public.force_clear_claim_lock(p_enrollment_id uuid)
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
REVOKE ALL ON FUNCTION public.force_clear_claim_lock(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.force_clear_claim_lock(uuid) TO certflow_admin;

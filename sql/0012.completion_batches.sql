-- Completion in batches: check_completion's whole effect for many
-- milestone.completed events in one call. Each event's idempotency key still
-- goes to the ledger; the completion rule runs once per enrollment the batch
-- touches; a bad event (unknown milestone, no enrollment) gets no key and is
-- reported back, so the rest of the batch goes through.
-- depends: 0011.verification_site

CREATE FUNCTION public.handle_milestones_completed(p_actor text, p_message_id text,
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
GRANT EXECUTE ON FUNCTION public.handle_milestones_completed(text, text, jsonb)
    TO certflow_worker;

-- The achievements engine: learners' local dates and streaks, the criteria
-- check of the catalog, progress per criteria type, the evaluation the
-- evaluate_achievements actor runs, and the dashboard read model. The tables,
-- the criteria types and the seeded achievements are in 0014; a new criteria
-- type is a row there (a new migration) and a branch in achievement_progress.

-- True for a time zone name Postgres knows ('Pacific/Apia', 'UTC', ...).
CREATE OR REPLACE FUNCTION public.is_time_zone(p_name text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.now() AT TIME ZONE p_name;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END;
$$;
REVOKE ALL ON FUNCTION public.is_time_zone(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.is_time_zone(text) TO certflow_app, certflow_worker;

-- Every insert (record_activity, the completion functions) gets its local date.
-- SECURITY DEFINER: reads the profile's time zone whatever the caller may see.
CREATE OR REPLACE FUNCTION public.activity_local_date() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NEW.local_date IS NULL THEN
        SELECT u.time_zone INTO NEW.time_zone FROM public.user_profiles u
        WHERE u.id = NEW.user_profile_id;
        NEW.time_zone := COALESCE(NEW.time_zone, 'UTC');
        NEW.local_date := (NEW.occurred_at AT TIME ZONE NEW.time_zone)::date;
    END IF;
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION public.activity_local_date() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.activity_local_date() TO certflow_app, certflow_worker;

CREATE OR REPLACE TRIGGER trg_activity_local_date BEFORE INSERT ON public.user_activities
    FOR EACH ROW EXECUTE FUNCTION public.activity_local_date();

-- Streaks recomputed from the activity log (distinct local dates, gaps and
-- islands), so order and replays of events cannot change the result. Some
-- learners (the engine, holding their locks) or everyone (NULL: the admin
-- rebuild). Returns the number of streak rows written.
CREATE OR REPLACE FUNCTION public.rebuild_streaks(p_user_profile_ids uuid[] DEFAULT NULL)
RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
    WITH days AS (
        SELECT DISTINCT a.user_profile_id, k.kind, a.local_date
        FROM public.user_activities a
        CROSS JOIN LATERAL (VALUES ('any'), (a.activity_type)) k (kind)
        WHERE p_user_profile_ids IS NULL OR a.user_profile_id = ANY (p_user_profile_ids)
    ),
    islands AS (
        SELECT user_profile_id, kind, local_date,
               local_date - (pg_catalog.row_number() OVER (
                   PARTITION BY user_profile_id, kind ORDER BY local_date))::integer AS island
        FROM days
    ),
    runs AS (
        SELECT user_profile_id, kind, pg_catalog.count(*)::integer AS length,
               pg_catalog.max(local_date) AS last_day
        FROM islands GROUP BY user_profile_id, kind, island
    ),
    summary AS (
        SELECT user_profile_id, kind,
               (pg_catalog.array_agg(length ORDER BY last_day DESC))[1] AS current_streak,
               pg_catalog.max(length) AS longest_streak,
               pg_catalog.max(last_day) AS last_active_date,
               pg_catalog.sum(length)::integer AS active_days
        FROM runs GROUP BY user_profile_id, kind
    ),
    written AS (
        INSERT INTO public.user_streaks AS s (user_profile_id, streak_kind, current_streak,
            longest_streak, last_active_date, active_days, updated_at)
        SELECT user_profile_id, kind, current_streak, longest_streak, last_active_date,
               active_days, pg_catalog.now()
        FROM summary ORDER BY user_profile_id, kind
        ON CONFLICT (user_profile_id, streak_kind) DO UPDATE
        SET current_streak = EXCLUDED.current_streak, longest_streak = EXCLUDED.longest_streak,
            last_active_date = EXCLUDED.last_active_date, active_days = EXCLUDED.active_days,
            updated_at = EXCLUDED.updated_at
        RETURNING 1
    )
    SELECT pg_catalog.count(*)::integer FROM written
$$;
REVOKE ALL ON FUNCTION public.rebuild_streaks(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rebuild_streaks(uuid[]) TO certflow_worker;

-- What is wrong with a criteria object, or NULL when it fits its type's schema.
CREATE OR REPLACE FUNCTION public.achievement_criteria_problem(p_criteria jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
DECLARE
    v_type public.achievement_criteria_types%ROWTYPE;
    v_key text;
    v_spec jsonb;
    v_value jsonb;
BEGIN
    IF p_criteria IS NULL OR pg_catalog.jsonb_typeof(p_criteria) <> 'object' THEN
        RETURN 'criteria must be a JSON object with a "type"';
    END IF;
    SELECT * INTO v_type FROM public.achievement_criteria_types t
    WHERE t.criteria_type = p_criteria ->> 'type';
    IF NOT FOUND THEN
        RETURN pg_catalog.format('unknown criteria type %s (known: %s)',
            COALESCE((p_criteria -> 'type')::text, 'missing'),
            (SELECT pg_catalog.string_agg(t.criteria_type, ', ' ORDER BY t.criteria_type)
             FROM public.achievement_criteria_types t));
    END IF;
    FOR v_key IN SELECT k FROM pg_catalog.jsonb_object_keys(p_criteria) k ORDER BY k LOOP
        IF v_key <> 'type' AND NOT v_type.parameters ? v_key THEN
            RETURN pg_catalog.format('%s criteria take no "%s" (they take: %s)', v_type.criteria_type,
                v_key, (SELECT pg_catalog.string_agg(k, ', ' ORDER BY k)
                        FROM pg_catalog.jsonb_object_keys(v_type.parameters) k));
        END IF;
    END LOOP;
    FOR v_key, v_spec IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v_type.parameters) e
                         ORDER BY e.key LOOP
        v_value := p_criteria -> v_key;
        IF v_value IS NULL THEN
            IF (v_spec ->> 'required')::boolean THEN
                RETURN pg_catalog.format('%s criteria need "%s"', v_type.criteria_type, v_key);
            END IF;
        ELSIF v_spec ->> 'type' = 'integer' AND (pg_catalog.jsonb_typeof(v_value) <> 'number'
              OR (v_value #>> '{}')::numeric <> pg_catalog.trunc((v_value #>> '{}')::numeric)) THEN
            RETURN pg_catalog.format('"%s" must be an integer, got %s', v_key, v_value);
        ELSIF v_spec ->> 'type' = 'integer'
              AND (v_value #>> '{}')::numeric < (v_spec ->> 'minimum')::numeric THEN
            RETURN pg_catalog.format('"%s" must be at least %s, got %s', v_key,
                v_spec ->> 'minimum', v_value);
        ELSIF v_spec ->> 'type' = 'string' AND (pg_catalog.jsonb_typeof(v_value) <> 'string'
              OR pg_catalog.btrim(v_value #>> '{}') = '') THEN
            RETURN pg_catalog.format('"%s" must be a non-empty string, got %s', v_key, v_value);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION public.achievement_criteria_problem(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.achievement_criteria_problem(jsonb) TO certflow_admin;

-- An achievement's criteria must fit its type; its criteria_type follows the criteria.
CREATE OR REPLACE FUNCTION public.validate_achievement_criteria() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_problem text := public.achievement_criteria_problem(NEW.criteria);
BEGIN
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'Invalid criteria for achievement "%": %', NEW.code, v_problem
            USING ERRCODE = 'check_violation', DETAIL = 'criteria=' || COALESCE(NEW.criteria::text, 'NULL');
    END IF;
    NEW.criteria_type := NEW.criteria ->> 'type';
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION public.validate_achievement_criteria() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.validate_achievement_criteria() TO certflow_admin;

CREATE OR REPLACE TRIGGER trg_validate_achievement_criteria
    BEFORE INSERT OR UPDATE OF criteria ON public.achievements
    FOR EACH ROW EXECUTE FUNCTION public.validate_achievement_criteria();

-- Progress towards achievements, for many (learner, achievement) pairs at once:
-- (current, target). One branch per criteria type; the per-learner counts that
-- several types share are computed once per call for the learners that need
-- them. Every value is counted from the source tables, never incremented, so
-- replays and concurrent evaluations cannot double-count.
CREATE OR REPLACE FUNCTION public.achievement_progress(p_user_profile_ids uuid[],
    p_achievement_ids uuid[])
RETURNS TABLE (user_profile_id uuid, achievement_id uuid, current integer, target integer)
LANGUAGE sql STABLE
SET search_path = ''
AS $$
    WITH pairs AS (
        SELECT p.u, a.id, a.criteria_type AS t, a.criteria, a.criteria ->> 'activity_kind' AS kind,
               COALESCE(a.criteria ->> 'count', a.criteria ->> 'days', a.criteria ->> 'total',
                        '1')::integer AS target
        FROM unnest(p_user_profile_ids, p_achievement_ids) AS p (u, a_id)
        JOIN public.achievements a ON a.id = p.a_id
    ),
    milestone_stats AS (
        SELECT ump.user_profile_id AS u, pg_catalog.count(*)::integer AS completed,
               (pg_catalog.count(*) FILTER (WHERE ump.attempts <= 1))::integer AS first_try,
               COALESCE(pg_catalog.sum(m.total_reward), 0)::integer AS xp,
               (pg_catalog.count(*) FILTER (WHERE m.validation_type = 'manual'
                                            AND ump.validated_at IS NOT NULL))::integer AS manual
        FROM public.user_milestone_progress ump
        LEFT JOIN public.cohort_milestones m ON m.id = ump.milestone_id
        WHERE ump.status = 'completed'
          AND ump.user_profile_id IN (SELECT u FROM pairs WHERE t IN ('milestones_completed',
              'xp_earned', 'first_try_milestones', 'manual_validations'))
        GROUP BY ump.user_profile_id
    ),
    enrollment_stats AS (
        SELECT e.user_profile_id AS u,
               (pg_catalog.count(*) FILTER (WHERE e.enrollment_status = 'completed'))::integer
                   AS completed,
               (pg_catalog.count(*) FILTER (WHERE e.certificate_issued))::integer AS certificates
        FROM public.bootcamp_enrollments e
        WHERE e.user_profile_id IN (SELECT u FROM pairs
                                    WHERE t IN ('bootcamps_completed', 'certificates_earned'))
        GROUP BY e.user_profile_id
    )
    SELECT p.u, p.id, COALESCE(CASE p.t
        WHEN 'milestones_completed' THEN ms.completed
        WHEN 'xp_earned' THEN ms.xp
        WHEN 'first_try_milestones' THEN ms.first_try
        WHEN 'manual_validations' THEN ms.manual
        WHEN 'bootcamps_completed' THEN es.completed
        WHEN 'certificates_earned' THEN es.certificates
        WHEN 'perfect_cohort' THEN (
            SELECT pg_catalog.count(*)::integer FROM public.bootcamp_enrollments e
            WHERE e.user_profile_id = p.u AND e.enrollment_status = 'completed'
              AND NOT EXISTS (
                  SELECT 1 FROM public.cohort_milestones m
                  LEFT JOIN public.user_milestone_progress ump
                      ON ump.milestone_id = m.id AND ump.user_profile_id = e.user_profile_id
                  WHERE m.cohort_id = e.cohort_id
                    AND (ump.status IS DISTINCT FROM 'completed'
                         OR (m.end_date IS NOT NULL AND ump.completed_at IS NOT NULL
                             AND ump.completed_at
                                 >= (m.end_date + 1)::timestamp AT TIME ZONE 'UTC'))))
        WHEN 'fast_finish' THEN (
            SELECT pg_catalog.count(*)::integer FROM public.bootcamp_enrollments e
            JOIN public.cohorts c ON c.id = e.cohort_id
            WHERE e.user_profile_id = p.u AND e.enrollment_status = 'completed'
              AND c.start_date IS NOT NULL
              AND COALESCE(e.milestones_completed_at, e.completion_date)
                  < (c.start_date + 1 + (p.criteria ->> 'within_days')::integer)::timestamp
                    AT TIME ZONE 'UTC')
        WHEN 'streak' THEN (
            SELECT s.longest_streak FROM public.user_streaks s
            WHERE s.user_profile_id = p.u AND s.streak_kind = COALESCE(p.kind, 'any'))
        WHEN 'active_days' THEN (
            SELECT s.active_days FROM public.user_streaks s
            WHERE s.user_profile_id = p.u AND s.streak_kind = COALESCE(p.kind, 'any'))
        WHEN 'activities' THEN (
            SELECT pg_catalog.count(*)::integer FROM public.user_activities a
            WHERE a.user_profile_id = p.u AND (p.kind IS NULL OR a.activity_type = p.kind))
        END, 0), p.target
    FROM pairs p
    LEFT JOIN milestone_stats ms ON ms.u = p.u
    LEFT JOIN enrollment_stats es ON es.u = p.u
$$;
REVOKE ALL ON FUNCTION public.achievement_progress(uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.achievement_progress(uuid[], uuid[]) TO certflow_worker;

-- What the evaluate_achievements actor runs for a batch of events (the relay
-- sends it one message per drained batch), in one statement. Each event is
-- {kind, key, user_profile_id | enrollment_id}. In order: resolve each event's
-- learner (an enrollment's, for certificate.key_granted); take the learners'
-- locks in one global order (one evaluation per learner at a time: streaks
-- read a log other evaluations write); record each event's idempotency key
-- (a replayed event does nothing); rebuild streaks for activity events; then,
-- for the (learner, achievement) pairs the new events' kinds can affect,
-- upsert progress (never lowered) and award in the same upsert, writing one
-- achievement.unlocked event per new award. A row already awarded is left
-- alone (the upsert's WHERE), so replays and concurrent workers award once.
-- An event whose learner is unknown is reported and leaves no key behind.
CREATE OR REPLACE FUNCTION public.evaluate_achievements(p_actor text, p_message_id text,
    p_events jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_keys text[];
    v_kinds text[];
    v_users uuid[];
    v_claimed text[];
    v_unknown jsonb;
    v_new jsonb;
    v_awarded jsonb;
    v_touched integer;
BEGIN
    SELECT pg_catalog.array_agg(x.key ORDER BY x.key), pg_catalog.array_agg(x.kind ORDER BY x.key),
           pg_catalog.array_agg(x.u ORDER BY x.key)
    INTO v_keys, v_kinds, v_users
    FROM (
        SELECT DISTINCT ON (ev ->> 'key') ev ->> 'key' AS key, ev ->> 'kind' AS kind, up.id AS u
        FROM pg_catalog.jsonb_array_elements(p_events) ev
        LEFT JOIN public.bootcamp_enrollments e ON e.id = (ev ->> 'enrollment_id')::uuid
        LEFT JOIN public.user_profiles up
            ON up.id = COALESCE((ev ->> 'user_profile_id')::uuid, e.user_profile_id)
    ) x;

    SELECT COALESCE(pg_catalog.jsonb_agg(b.key ORDER BY b.key), '[]'::jsonb) INTO v_unknown
    FROM unnest(v_keys, v_users) AS b (key, u) WHERE b.u IS NULL;

    PERFORM pg_catalog.pg_advisory_xact_lock(1128616774, l.h)
    FROM (SELECT DISTINCT pg_catalog.hashtext(b.u::text) AS h FROM unnest(v_users) AS b (u)
          WHERE b.u IS NOT NULL ORDER BY 1) l;

    WITH claimed AS (
        INSERT INTO public.processed_messages (actor, idempotency_key, message_id)
        SELECT p_actor, b.key, p_message_id FROM unnest(v_keys, v_users) AS b (key, u)
        WHERE b.u IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING idempotency_key
    )
    SELECT COALESCE(pg_catalog.array_agg(idempotency_key), '{}') INTO v_claimed FROM claimed;

    PERFORM public.rebuild_streaks(pg_catalog.array_agg(DISTINCT b.u))
    FROM unnest(v_keys, v_kinds, v_users) AS b (key, kind, u)
    WHERE b.key = ANY (v_claimed) AND b.kind IN ('activity.recorded', 'enrollment.completed')
    HAVING pg_catalog.count(*) > 0;

    WITH pairs AS (
        SELECT DISTINCT b.u, a.id
        FROM unnest(v_keys, v_kinds, v_users) AS b (key, kind, u)
        JOIN public.user_profiles up ON up.id = b.u AND b.key = ANY (v_claimed)
        JOIN public.achievement_criteria_types t ON b.kind = ANY (t.event_kinds)
        JOIN public.achievements a ON a.criteria_type = t.criteria_type AND a.is_active
            AND (a.community_id IS NULL OR a.community_id = up.community_id)
    ),
    affected AS (
        SELECT pr.* FROM public.achievement_progress(
            (SELECT pg_catalog.array_agg(u) FROM pairs),
            (SELECT pg_catalog.array_agg(id) FROM pairs)) pr
    ),
    upserted AS (
        INSERT INTO public.user_achievements AS ua (user_profile_id, achievement_id,
            progress_current, progress_target, unlocked_at)
        SELECT f.user_profile_id, f.achievement_id, LEAST(f.current, f.target), f.target,
               CASE WHEN f.current >= f.target THEN pg_catalog.now() END
        FROM affected f WHERE f.current > 0
        ORDER BY f.user_profile_id, f.achievement_id
        ON CONFLICT (user_profile_id, achievement_id) DO UPDATE
        SET progress_current = GREATEST(ua.progress_current, EXCLUDED.progress_current),
            progress_target = EXCLUDED.progress_target,
            unlocked_at = CASE WHEN GREATEST(ua.progress_current, EXCLUDED.progress_current)
                                    >= EXCLUDED.progress_target THEN pg_catalog.now() END,
            updated_at = pg_catalog.now()
        WHERE ua.unlocked_at IS NULL
          AND (EXCLUDED.progress_current > ua.progress_current
               OR EXCLUDED.progress_target <> ua.progress_target)
        RETURNING ua.user_profile_id, ua.achievement_id, ua.unlocked_at
    ),
    unlocked AS (
        INSERT INTO public.event_outbox (kind, payload, idempotency_key)
        SELECT 'achievement.unlocked',
               pg_catalog.jsonb_build_object('user_profile_id', u.user_profile_id,
                   'achievement_id', a.id, 'code', a.code, 'points', a.points),
               'achievement.unlocked:' || u.user_profile_id::text || ':' || a.id::text
        FROM upserted u JOIN public.achievements a ON a.id = u.achievement_id
        WHERE u.unlocked_at IS NOT NULL
        ORDER BY u.user_profile_id, a.code
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING payload
    )
    SELECT (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'user_profile_id', payload -> 'user_profile_id', 'code', payload -> 'code')
                ORDER BY payload ->> 'user_profile_id', payload ->> 'code'), '[]'::jsonb)
            FROM unlocked),
           (SELECT pg_catalog.count(*) FROM upserted),
           pg_catalog.to_jsonb(v_claimed)
    INTO v_awarded, v_touched, v_new;

    IF pg_catalog.jsonb_array_length(v_awarded) > 0
       AND (SELECT s.waiting FROM public.outbox_relay_state s) THEN
        PERFORM pg_catalog.pg_notify('certflow', '');
    END IF;
    RETURN pg_catalog.jsonb_build_object('evaluated', v_new, 'unknown', v_unknown,
        'awarded', v_awarded, 'progress_updated', v_touched);
END;
$$;
REVOKE ALL ON FUNCTION public.evaluate_achievements(text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.evaluate_achievements(text, text, jsonb) TO certflow_worker;

-- What a learner's dashboard shows: every visible achievement with progress,
-- total points, the 'any' streak (current is 0 once a local day was missed),
-- and the locked achievements closest to done. SECURITY INVOKER: each role's
-- row-level security applies (a learner asking about another learner sees
-- only that learner's public awards).
CREATE OR REPLACE FUNCTION public.achievement_dashboard(p_user_profile_id uuid,
    p_within_reach integer DEFAULT 3)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = ''
AS $$
    WITH profile AS (
        -- A learner cannot read another learner's profile: then only that
        -- learner's awards the caller may see are listed.
        SELECT COALESCE((SELECT u.time_zone FROM public.user_profiles u
                         WHERE u.id = p_user_profile_id), 'UTC') AS time_zone,
               (SELECT u.community_id FROM public.user_profiles u
                WHERE u.id = p_user_profile_id) AS community_id,
               EXISTS (SELECT 1 FROM public.user_profiles u
                       WHERE u.id = p_user_profile_id) AS visible
    ),
    items AS (
        SELECT a.code, a.name, a.description, a.achievement_type, a.category, a.tier, a.points,
               a.icon, a.color, ua.unlocked_at,
               COALESCE(ua.progress_current, 0) AS progress_current,
               COALESCE(ua.progress_target, COALESCE(a.criteria ->> 'count',
                   a.criteria ->> 'days', a.criteria ->> 'total', '1')::integer) AS progress_target
        FROM public.achievements a
        CROSS JOIN profile
        LEFT JOIN public.user_achievements ua
            ON ua.achievement_id = a.id AND ua.user_profile_id = p_user_profile_id
        WHERE a.is_active
          AND (a.community_id IS NULL OR a.community_id = profile.community_id)
          AND (profile.visible OR ua.unlocked_at IS NOT NULL)
    ),
    streak AS (
        SELECT s.longest_streak, s.last_active_date,
               CASE WHEN s.last_active_date >= (pg_catalog.now() AT TIME ZONE profile.time_zone)::date - 1
                    THEN s.current_streak ELSE 0 END AS current_streak
        FROM public.user_streaks s CROSS JOIN profile
        WHERE s.user_profile_id = p_user_profile_id AND s.streak_kind = 'any'
    )
    SELECT pg_catalog.jsonb_build_object(
        'user_profile_id', p_user_profile_id,
        'total_points', (SELECT COALESCE(pg_catalog.sum(points), 0) FROM items
                         WHERE unlocked_at IS NOT NULL),
        'current_streak', COALESCE((SELECT current_streak FROM streak), 0),
        'longest_streak', COALESCE((SELECT longest_streak FROM streak), 0),
        'last_active_date', (SELECT last_active_date FROM streak),
        'achievements', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i)
                                      ORDER BY i.unlocked_at IS NULL, i.code) FROM items i), '[]'),
        'within_reach', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'code', n.code, 'name', n.name, 'points', n.points,
                'progress_current', n.progress_current, 'progress_target', n.progress_target)
                ORDER BY n.ratio DESC, n.points, n.code)
            FROM (SELECT i.*, i.progress_current::numeric / i.progress_target AS ratio
                  FROM items i WHERE i.unlocked_at IS NULL
                  ORDER BY ratio DESC, i.points, i.code LIMIT p_within_reach) n), '[]'))
$$;
REVOKE ALL ON FUNCTION public.achievement_dashboard(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.achievement_dashboard(uuid, integer)
    TO certflow_app, certflow_learner, certflow_worker;

-- A community's own achievement, created (p_id NULL) or changed, for its app.
-- The community is the caller's (current_community_id()), never a parameter: a
-- global achievement or another community's answers NULL, exactly as an id that
-- does not exist. Criteria are checked by 0014's trigger, with its messages.
-- SECURITY DEFINER: apps get no write right on the catalog table itself.
CREATE OR REPLACE FUNCTION public.save_community_achievement(p_id uuid, p_fields jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text := public.current_community_id();
    v_row public.achievements%ROWTYPE;
BEGIN
    IF v_community IS NULL THEN
        RAISE EXCEPTION 'Changing the achievement catalog needs the caller''s community'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_id IS NULL THEN
        INSERT INTO public.achievements (code, name, description, achievement_type, category,
            tier, points, icon, color, is_public, is_active, criteria, community_id)
        VALUES (p_fields ->> 'code', p_fields ->> 'name', p_fields ->> 'description',
            p_fields ->> 'achievement_type', p_fields ->> 'category', p_fields ->> 'tier',
            COALESCE((p_fields ->> 'points')::integer, 0), p_fields ->> 'icon',
            p_fields ->> 'color', COALESCE((p_fields ->> 'is_public')::boolean, true),
            COALESCE((p_fields ->> 'is_active')::boolean, true), p_fields -> 'criteria',
            v_community)
        RETURNING * INTO v_row;
    ELSE
        UPDATE public.achievements a
        SET name = COALESCE(p_fields ->> 'name', a.name),
            description = COALESCE(p_fields ->> 'description', a.description),
            achievement_type = COALESCE(p_fields ->> 'achievement_type', a.achievement_type),
            category = COALESCE(p_fields ->> 'category', a.category),
            tier = COALESCE(p_fields ->> 'tier', a.tier),
            points = COALESCE((p_fields ->> 'points')::integer, a.points),
            icon = CASE WHEN p_fields ? 'icon' THEN p_fields ->> 'icon' ELSE a.icon END,
            color = CASE WHEN p_fields ? 'color' THEN p_fields ->> 'color' ELSE a.color END,
            is_public = COALESCE((p_fields ->> 'is_public')::boolean, a.is_public),
            is_active = COALESCE((p_fields ->> 'is_active')::boolean, a.is_active),
            criteria = COALESCE(p_fields -> 'criteria', a.criteria)
        WHERE a.id = p_id AND a.community_id = v_community
        RETURNING * INTO v_row;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN pg_catalog.to_jsonb(v_row) - 'criteria_type';
END;
$$;

ALTER FUNCTION public.save_community_achievement(uuid, jsonb) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.save_community_achievement(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.save_community_achievement(uuid, jsonb) TO certflow_app;

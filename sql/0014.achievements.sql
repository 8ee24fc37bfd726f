-- Achievements, streaks, milestone gates and tenant isolation: communities, the
-- achievement catalog (criteria validated per criteria type) with its seeded
-- defaults, user_achievements and user_streaks, record_activity(), the engine
-- the evaluate_achievements actor calls, the dashboard read model, prerequisite
-- and manual-validation gates on milestones, and row-level security for the
-- app, learner, instructor and worker roles.
-- depends: 0013.chain_faults

-- ============================================================ tenancy and profiles

-- Every bootcamp belongs to a community (a tenant); so does every learner profile
-- (the app of one community creates it). Existing rows join 'default'.
CREATE TABLE public.communities (
    id text PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO public.communities (id, name) VALUES ('default', 'Default community');

-- True for a time zone name Postgres knows ('Pacific/Apia', 'UTC', ...).
CREATE FUNCTION public.is_time_zone(p_name text) RETURNS boolean
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

ALTER TABLE public.bootcamp_programs
    ADD COLUMN community_id text NOT NULL DEFAULT 'default' REFERENCES public.communities (id);
ALTER TABLE public.user_profiles
    ADD COLUMN community_id text NOT NULL DEFAULT 'default' REFERENCES public.communities (id),
    -- The learner's day boundary for streaks.
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
        CONSTRAINT user_profiles_time_zone_known CHECK (public.is_time_zone(time_zone));
CREATE INDEX idx_user_profiles_community ON public.user_profiles (community_id);
CREATE INDEX idx_bootcamp_programs_community ON public.bootcamp_programs (community_id);

-- ============================================================ milestone gates

ALTER TABLE public.cohort_milestones
    ADD COLUMN prerequisite_milestone_ids text[] NOT NULL DEFAULT '{}',
    -- 'manual': completed only when an instructor of the cohort approves it.
    ADD COLUMN validation_type text NOT NULL DEFAULT 'automatic'
        CHECK (validation_type IN ('automatic', 'manual')),
    ADD CONSTRAINT cohort_milestones_not_own_prerequisite
        CHECK (NOT (id = ANY (prerequisite_milestone_ids)));

-- 'pending_validation': submitted, waiting for an instructor.
ALTER TABLE public.user_milestone_progress DROP CONSTRAINT user_milestone_progress_status_check;
ALTER TABLE public.user_milestone_progress ADD CONSTRAINT user_milestone_progress_status_check
    CHECK (status IN ('not_started', 'in_progress', 'pending_validation', 'completed', 'expired'));
ALTER TABLE public.user_milestone_progress
    -- How often the learner submitted the milestone (an approval is not an attempt).
    ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN validated_by uuid REFERENCES public.user_profiles (id),
    ADD COLUMN validated_at timestamptz,
    ADD COLUMN validation_note text;
CREATE INDEX idx_ump_user_status ON public.user_milestone_progress (user_profile_id, status);

CREATE TABLE public.cohort_instructors (
    cohort_id text NOT NULL REFERENCES public.cohorts (id) ON DELETE CASCADE,
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cohort_id, user_profile_id)
);
CREATE INDEX idx_cohort_instructors_user ON public.cohort_instructors (user_profile_id);

-- Before a progress row enters 'completed' or 'pending_validation': refuse it
-- while prerequisites are incomplete, count the attempt, and hold a manual
-- milestone at 'pending_validation' until an instructor sets validated_at
-- (which only the instructor role may write). The milestone.completed trigger
-- (0002) reads the final status, so a held milestone emits nothing.
-- SECURITY DEFINER: prerequisites may lie outside what the caller's row-level
-- security lets it see (an instructor sees only their cohorts).
CREATE FUNCTION public.milestone_gate() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_milestone public.cohort_milestones%ROWTYPE;
    v_missing text;
    v_old_status text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END;
BEGIN
    IF NEW.status NOT IN ('completed', 'pending_validation') THEN
        IF v_old_status = 'completed' THEN
            NEW.validated_at := NULL;  -- reopened: a manual milestone needs approval again
        END IF;
        RETURN NEW;
    END IF;
    IF v_old_status = NEW.status THEN
        RETURN NEW;
    END IF;
    SELECT * INTO v_milestone FROM public.cohort_milestones m WHERE m.id = NEW.milestone_id;
    IF NOT FOUND THEN
        RETURN NEW;  -- unknown milestones are check_completion's to report
    END IF;

    SELECT pg_catalog.string_agg(pre.name || ' (' || pre.id || ')', ', ' ORDER BY pre.order_index)
    INTO v_missing
    FROM public.cohort_milestones pre
    WHERE pre.id = ANY (v_milestone.prerequisite_milestone_ids)
      AND NOT EXISTS (
          SELECT 1 FROM public.user_milestone_progress p
          WHERE p.user_profile_id = NEW.user_profile_id AND p.milestone_id = pre.id
            AND p.status = 'completed');
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'Cannot complete milestone "%" before its prerequisites: %',
            v_milestone.name, v_missing
            USING ERRCODE = 'check_violation',
                  DETAIL = 'milestoneId=' || v_milestone.id || ' userId=' || NEW.user_profile_id,
                  HINT = 'Complete the prerequisite milestones first.';
    END IF;

    IF v_old_status IS DISTINCT FROM 'pending_validation' THEN
        NEW.attempts := NEW.attempts + 1;
    END IF;
    IF v_milestone.validation_type = 'manual' AND NEW.status = 'completed'
       AND NEW.validated_at IS NULL THEN
        NEW.status := 'pending_validation';
    ELSIF v_milestone.validation_type = 'automatic' AND NEW.status = 'pending_validation' THEN
        NEW.status := 'completed';  -- nobody would ever validate it
    END IF;
    NEW.completed_at := COALESCE(NEW.completed_at, pg_catalog.now());
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_milestone_gate
    BEFORE INSERT OR UPDATE OF status ON public.user_milestone_progress
    FOR EACH ROW EXECUTE FUNCTION public.milestone_gate();

-- ============================================================ activities and streaks

-- occurred_at: when the learner did it (events may arrive late or out of order).
-- local_date: that moment's date in the learner's time zone then, fixed at
-- insert, so a later move to another zone does not rewrite the past.
ALTER TABLE public.user_activities
    ADD COLUMN occurred_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN local_date date,
    ADD COLUMN time_zone text;
UPDATE public.user_activities SET occurred_at = created_at,
    local_date = (created_at AT TIME ZONE 'UTC')::date, time_zone = 'UTC';
ALTER TABLE public.user_activities
    ALTER COLUMN local_date SET NOT NULL,
    ALTER COLUMN time_zone SET NOT NULL;
CREATE INDEX idx_user_activities_days ON public.user_activities (user_profile_id, local_date);

-- Every insert (record_activity, the completion functions) gets its local date.
-- SECURITY DEFINER: reads the profile's time zone whatever the caller may see.
CREATE FUNCTION public.activity_local_date() RETURNS trigger
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

CREATE TRIGGER trg_activity_local_date BEFORE INSERT ON public.user_activities
    FOR EACH ROW EXECUTE FUNCTION public.activity_local_date();

-- Per learner and streak kind ('any': days with any activity; otherwise an
-- activity kind an achievement names). current_streak is the run of days
-- ending on last_active_date; the read model shows 0 once a day is missed.
CREATE TABLE public.user_streaks (
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    streak_kind text NOT NULL,
    current_streak integer NOT NULL DEFAULT 0 CHECK (current_streak >= 0),
    longest_streak integer NOT NULL DEFAULT 0 CHECK (longest_streak >= current_streak),
    last_active_date date,
    active_days integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_profile_id, streak_kind)
);

-- Streaks recomputed from the activity log (distinct local dates, gaps and
-- islands), so order and replays of events cannot change the result. Some
-- learners (the engine, holding their locks) or everyone (NULL: the admin
-- rebuild). Returns the number of streak rows written.
CREATE FUNCTION public.rebuild_streaks(p_user_profile_ids uuid[] DEFAULT NULL)
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

-- What apps call when a learner does something ('login', 'lesson', ...). The
-- activity row and its activity.recorded event commit together. SECURITY
-- INVOKER: the app role's row-level security decides whose activity it may
-- record, and a learner of another community is as unknown as a made-up id.
CREATE FUNCTION public.record_activity(p_user_profile_id uuid, p_kind text,
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
    PERFORM public.emit_event(
        'activity.recorded',
        pg_catalog.jsonb_build_object('activity_id', v_id, 'user_profile_id', p_user_profile_id,
            'kind', p_kind, 'local_date', v_date),
        'activity.recorded:' || v_id::text);
    RETURN v_id;
END;
$$;

-- ============================================================ the catalog

-- One row per criteria type: the event kinds after which its progress can
-- change (the engine evaluates nothing else) and its parameters, the schema a
-- criteria object is validated against. A new type is one migration: a row
-- here and a branch in achievement_progress() below.
CREATE TABLE public.achievement_criteria_types (
    criteria_type text PRIMARY KEY,
    event_kinds text[] NOT NULL,
    -- {"name": {"type": "integer"|"string", "required": bool, "minimum": n}}
    parameters jsonb NOT NULL,
    description text NOT NULL
);

INSERT INTO public.achievement_criteria_types VALUES
('milestones_completed', '{milestone.completed}',
 '{"count": {"type": "integer", "required": true, "minimum": 1}}',
 'completed milestones (a manual one once approved)'),
('xp_earned', '{milestone.completed}',
 '{"total": {"type": "integer", "required": true, "minimum": 1}}',
 'XP (total_reward) of completed milestones'),
('first_try_milestones', '{milestone.completed}',
 '{"count": {"type": "integer", "required": true, "minimum": 1}}',
 'milestones completed at the first attempt'),
('manual_validations', '{milestone.completed}',
 '{"count": {"type": "integer", "required": true, "minimum": 1}}',
 'manually validated milestones approved by an instructor'),
('bootcamps_completed', '{enrollment.completed}',
 '{"count": {"type": "integer", "required": true, "minimum": 1}}',
 'completed enrollments (cohorts)'),
('perfect_cohort', '{enrollment.completed}',
 '{"count": {"type": "integer", "required": false, "minimum": 1}}',
 'completed cohorts with no milestone completed after its end date'),
('fast_finish', '{enrollment.completed}',
 '{"within_days": {"type": "integer", "required": true, "minimum": 0},
   "count": {"type": "integer", "required": false, "minimum": 1}}',
 'cohorts completed within within_days of the cohort start date'),
('certificates_earned', '{certificate.key_granted}',
 '{"count": {"type": "integer", "required": true, "minimum": 1}}',
 'certificate keys granted'),
('streak', '{activity.recorded,enrollment.completed}',
 '{"days": {"type": "integer", "required": true, "minimum": 1},
   "activity_kind": {"type": "string", "required": false}}',
 'longest run of consecutive local days with activity (of activity_kind, if named)'),
('activities', '{activity.recorded}',
 '{"count": {"type": "integer", "required": true, "minimum": 1},
   "activity_kind": {"type": "string", "required": false}}',
 'recorded activities (of activity_kind, if named)'),
('active_days', '{activity.recorded,enrollment.completed}',
 '{"count": {"type": "integer", "required": true, "minimum": 1},
   "activity_kind": {"type": "string", "required": false}}',
 'distinct local days with activity (of activity_kind, if named)');

CREATE TABLE public.achievements (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name text NOT NULL,
    description text NOT NULL,
    achievement_type text NOT NULL
        CHECK (achievement_type IN ('completion', 'streak', 'mastery', 'participation')),
    category text NOT NULL,
    tier text NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),
    points integer NOT NULL DEFAULT 0 CHECK (points >= 0),
    icon text,
    color text CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    is_public boolean NOT NULL DEFAULT true,
    is_active boolean NOT NULL DEFAULT true,
    criteria jsonb NOT NULL,
    -- criteria ->> 'type', set by the validation trigger.
    criteria_type text NOT NULL REFERENCES public.achievement_criteria_types (criteria_type),
    -- NULL: every community; otherwise only that community's learners.
    community_id text REFERENCES public.communities (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_achievements_criteria_type ON public.achievements (criteria_type) WHERE is_active;

-- What is wrong with a criteria object, or NULL when it fits its type's schema.
CREATE FUNCTION public.achievement_criteria_problem(p_criteria jsonb) RETURNS text
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

CREATE FUNCTION public.validate_achievement_criteria() RETURNS trigger
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

CREATE TRIGGER trg_validate_achievement_criteria
    BEFORE INSERT OR UPDATE OF criteria ON public.achievements
    FOR EACH ROW EXECUTE FUNCTION public.validate_achievement_criteria();
CREATE TRIGGER trg_touch_achievements BEFORE UPDATE ON public.achievements
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

-- Progress towards achievements, for many (learner, achievement) pairs at once:
-- (current, target). One branch per criteria type; the per-learner counts that
-- several types share are computed once per call for the learners that need
-- them. Every value is counted from the source tables, never incremented, so
-- replays and concurrent evaluations cannot double-count.
CREATE FUNCTION public.achievement_progress(p_user_profile_ids uuid[], p_achievement_ids uuid[])
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

-- ============================================================ awards

-- One row per learner and achievement: progress while locked, then the award.
-- The primary key is what makes an award happen once.
CREATE TABLE public.user_achievements (
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    achievement_id uuid NOT NULL REFERENCES public.achievements (id) ON DELETE CASCADE,
    progress_current integer NOT NULL DEFAULT 0 CHECK (progress_current >= 0),
    progress_target integer NOT NULL CHECK (progress_target >= 1),
    unlocked_at timestamptz,
    -- The learner may hide an award from others (a private achievement is hidden anyway).
    is_public boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_profile_id, achievement_id)
);
CREATE INDEX idx_user_achievements_achievement ON public.user_achievements (achievement_id);

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
CREATE FUNCTION public.evaluate_achievements(p_actor text, p_message_id text, p_events jsonb)
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

-- ============================================================ read model

-- What a learner's dashboard shows: every visible achievement with progress,
-- total points, the 'any' streak (current is 0 once a local day was missed),
-- and the locked achievements closest to done. SECURITY INVOKER: each role's
-- row-level security applies (a learner asking about another learner sees
-- only that learner's public awards).
CREATE FUNCTION public.achievement_dashboard(p_user_profile_id uuid, p_within_reach integer DEFAULT 3)
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

-- ============================================================ seeded defaults

-- The source's 34 defaults (15 completion, 5 streak, 5 mastery, 9 participation
-- and milestone) on certflow's events, plus two. Admins add more by INSERT.
INSERT INTO public.achievements (code, name, description, achievement_type, category, tier,
    points, icon, color, is_public, criteria)
SELECT v.code, v.name, v.description, v.achievement_type, v.category, v.tier, v.points,
       'icons/' || v.code || '.svg',
       CASE v.tier WHEN 'bronze' THEN '#CD7F32' WHEN 'silver' THEN '#C0C0C0'
                   WHEN 'gold' THEN '#FFD700' ELSE '#E5E4E2' END,
       v.is_public, v.criteria::jsonb
FROM (VALUES
    -- completion (15)
    ('first_milestone', 'First Steps', 'Complete your first milestone', 'completion', 'Milestone', 'bronze', 10, true, '{"type": "milestones_completed", "count": 1}'),
    ('milestones_5', 'Getting Going', 'Complete 5 milestones', 'completion', 'Milestone', 'bronze', 25, true, '{"type": "milestones_completed", "count": 5}'),
    ('milestones_10', 'Milestone Warrior', 'Complete 10 milestones', 'completion', 'Milestone', 'silver', 50, true, '{"type": "milestones_completed", "count": 10}'),
    ('milestones_25', 'Milestone Hunter', 'Complete 25 milestones', 'completion', 'Milestone', 'gold', 100, true, '{"type": "milestones_completed", "count": 25}'),
    ('milestones_50', 'Milestone Master', 'Complete 50 milestones', 'completion', 'Milestone', 'gold', 200, true, '{"type": "milestones_completed", "count": 50}'),
    ('milestones_100', 'Centurion', 'Complete 100 milestones', 'completion', 'Milestone', 'platinum', 500, true, '{"type": "milestones_completed", "count": 100}'),
    ('first_bootcamp', 'Course Finisher', 'Complete your first bootcamp cohort', 'completion', 'Course', 'bronze', 25, true, '{"type": "bootcamps_completed", "count": 1}'),
    ('bootcamps_3', 'Serial Learner', 'Complete 3 bootcamp cohorts', 'completion', 'Course', 'silver', 100, true, '{"type": "bootcamps_completed", "count": 3}'),
    ('bootcamps_5', 'Learning Dedication', 'Complete 5 bootcamp cohorts', 'completion', 'Course', 'gold', 200, true, '{"type": "bootcamps_completed", "count": 5}'),
    ('bootcamps_10', 'Lifelong Learner', 'Complete 10 bootcamp cohorts', 'completion', 'Course', 'platinum', 500, true, '{"type": "bootcamps_completed", "count": 10}'),
    ('first_certificate', 'Program Graduate', 'Earn your first on-chain certificate', 'completion', 'Program', 'gold', 100, true, '{"type": "certificates_earned", "count": 1}'),
    ('certificates_3', 'Triple Graduate', 'Earn 3 on-chain certificates', 'completion', 'Program', 'gold', 250, true, '{"type": "certificates_earned", "count": 3}'),
    ('certificates_5', 'Credential Collector', 'Earn 5 on-chain certificates', 'completion', 'Program', 'platinum', 500, true, '{"type": "certificates_earned", "count": 5}'),
    ('xp_1000', 'XP Climber', 'Earn 1,000 XP from milestones', 'completion', 'Program', 'silver', 50, true, '{"type": "xp_earned", "total": 1000}'),
    ('xp_10000', 'XP Legend', 'Earn 10,000 XP from milestones', 'completion', 'Program', 'platinum', 300, true, '{"type": "xp_earned", "total": 10000}'),
    -- streak (5)
    ('streak_3', 'Learning Momentum', 'Be active 3 days in a row', 'streak', 'General', 'bronze', 15, true, '{"type": "streak", "days": 3}'),
    ('streak_7', 'Week Warrior', 'Be active 7 days in a row', 'streak', 'General', 'silver', 30, true, '{"type": "streak", "days": 7}'),
    ('streak_30', 'Month Master', 'Be active 30 days in a row', 'streak', 'General', 'gold', 150, true, '{"type": "streak", "days": 30}'),
    ('streak_100', 'Consistency Champion', 'Be active 100 days in a row', 'streak', 'General', 'platinum', 500, true, '{"type": "streak", "days": 100}'),
    ('lesson_streak_14', 'Progress Streak', 'Study a lesson 14 days in a row', 'streak', 'Course', 'gold', 100, true, '{"type": "streak", "days": 14, "activity_kind": "lesson"}'),
    -- mastery (5)
    ('perfect_cohort', 'Perfectionist', 'Complete every milestone of a cohort, none late', 'mastery', 'Course', 'gold', 150, true, '{"type": "perfect_cohort"}'),
    ('fast_finisher', 'Quick Learner', 'Complete a cohort within 30 days of its start', 'mastery', 'Course', 'gold', 100, true, '{"type": "fast_finish", "within_days": 30}'),
    ('first_try_10', 'Excellence', 'Complete 10 milestones at the first attempt', 'mastery', 'Milestone', 'silver', 75, true, '{"type": "first_try_milestones", "count": 10}'),
    ('skill_demonstration', 'Skill Demonstration', 'Have a skill demonstration approved by an instructor', 'mastery', 'Milestone', 'silver', 50, true, '{"type": "manual_validations", "count": 1}'),
    ('knowledge_master', 'Knowledge Master', 'Have 10 skill demonstrations approved', 'mastery', 'Milestone', 'gold', 200, true, '{"type": "manual_validations", "count": 10}'),
    -- participation and milestone (9)
    ('first_activity', 'Showing Up', 'Record your first learning activity', 'participation', 'Community', 'bronze', 5, true, '{"type": "activities", "count": 1}'),
    ('activities_50', 'Regular', 'Record 50 learning activities', 'participation', 'Community', 'silver', 40, true, '{"type": "activities", "count": 50}'),
    ('activities_500', 'Fixture', 'Record 500 learning activities', 'participation', 'Community', 'gold', 200, true, '{"type": "activities", "count": 500}'),
    ('first_login', 'Hello Again', 'Log in for the first time', 'participation', 'General', 'bronze', 5, false, '{"type": "activities", "count": 1, "activity_kind": "login"}'),
    ('logins_30', 'Familiar Face', 'Log in 30 times', 'participation', 'General', 'silver', 30, false, '{"type": "activities", "count": 30, "activity_kind": "login"}'),
    ('lessons_100', 'Bookworm', 'Study 100 lessons', 'participation', 'Course', 'gold', 150, true, '{"type": "activities", "count": 100, "activity_kind": "lesson"}'),
    ('active_days_10', 'Ten Good Days', 'Be active on 10 different days', 'participation', 'General', 'bronze', 20, true, '{"type": "active_days", "count": 10}'),
    ('active_days_50', 'Fifty Good Days', 'Be active on 50 different days', 'participation', 'General', 'silver', 100, true, '{"type": "active_days", "count": 50}'),
    ('active_days_365', 'A Year of Learning', 'Be active on 365 different days', 'participation', 'General', 'platinum', 1000, true, '{"type": "active_days", "count": 365}'),
    -- certflow's two more
    ('perfect_cohorts_3', 'Flawless Record', 'Complete 3 cohorts with every milestone on time', 'mastery', 'Program', 'platinum', 400, true, '{"type": "perfect_cohort", "count": 3}'),
    ('sprint_finisher', 'Sprinter', 'Complete a cohort within 7 days of its start', 'mastery', 'Course', 'platinum', 250, true, '{"type": "fast_finish", "within_days": 7}')
) AS v (code, name, description, achievement_type, category, tier, points, is_public, criteria);

-- ============================================================ roles and row-level security

-- Two more group roles (NOLOGIN, granted to login users like the 0004 roles):
--   certflow_learner     a learner reading their own data (SET certflow.user_profile_id)
--   certflow_instructor  validates manual milestones of their cohorts (same setting)
-- certflow_app sets certflow.community_id per connection or transaction.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_learner') THEN
        CREATE ROLE certflow_learner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_instructor') THEN
        CREATE ROLE certflow_instructor NOLOGIN;
    END IF;
END
$$;

-- The caller's community / learner, from the settings; NULL when unset, and
-- then the policies below match nothing.
CREATE FUNCTION public.current_community_id() RETURNS text
LANGUAGE sql STABLE
SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('certflow.community_id', true), '') $$;

CREATE FUNCTION public.current_user_profile_id() RETURNS uuid
LANGUAGE sql STABLE
SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('certflow.user_profile_id', true), '')::uuid $$;

-- Lookups the policies use. SECURITY DEFINER: they read tables the caller's
-- own policies would hide (a policy on user_profiles must not recurse).
CREATE FUNCTION public.community_of_user(p_user_profile_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$ SELECT u.community_id FROM public.user_profiles u WHERE u.id = p_user_profile_id $$;

CREATE FUNCTION public.community_of_cohort(p_cohort_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT b.community_id FROM public.cohorts c
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id WHERE c.id = p_cohort_id
$$;

CREATE FUNCTION public.community_of_milestone(p_milestone_id text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT public.community_of_cohort(m.cohort_id) FROM public.cohort_milestones m
    WHERE m.id = p_milestone_id
$$;

CREATE FUNCTION public.instructs_milestone(p_milestone_id text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.cohort_milestones m
        JOIN public.cohort_instructors ci ON ci.cohort_id = m.cohort_id
        WHERE m.id = p_milestone_id AND ci.user_profile_id = public.current_user_profile_id())
$$;

-- An instructor approves (or sends back) a submitted manual milestone.
-- SECURITY INVOKER on purpose: which rows the instructor may touch is decided
-- by the row-level security policy below, not by a check in here.
CREATE FUNCTION public.validate_milestone(p_user_profile_id uuid, p_milestone_id text,
    p_approved boolean, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_instructor uuid := public.current_user_profile_id();
    v_status text;
    v_attempts integer;
BEGIN
    IF v_instructor IS NULL THEN
        RAISE EXCEPTION 'Validating a milestone needs the instructor: set certflow.user_profile_id'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.user_milestone_progress p
    SET status = CASE WHEN p_approved THEN 'completed' ELSE 'in_progress' END,
        validated_by = v_instructor,
        validated_at = CASE WHEN p_approved THEN pg_catalog.now() END,
        validation_note = p_note
    WHERE p.user_profile_id = p_user_profile_id AND p.milestone_id = p_milestone_id
      AND p.status = 'pending_validation'
    RETURNING p.status, p.attempts INTO v_status, v_attempts;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Milestone % of learner % is not awaiting validation in your cohorts',
            p_milestone_id, p_user_profile_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN pg_catalog.jsonb_build_object('status', v_status, 'attempts', v_attempts,
        'validated_by', v_instructor);
END;
$$;

ALTER TABLE public.user_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.bootcamp_enrollments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_milestone_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_achievements ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_streaks ENABLE ROW LEVEL SECURITY;

-- Workers (and admins, members of certflow_worker) see and write every row. A
-- policy rather than the BYPASSRLS attribute, because role attributes are not
-- inherited by the login users a deployment grants certflow_worker to.
CREATE POLICY worker_all ON public.user_profiles TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON public.bootcamp_enrollments TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON public.user_milestone_progress TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON public.user_activities TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON public.user_achievements TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_all ON public.user_streaks TO certflow_worker USING (true) WITH CHECK (true);
-- The verification site (0011) shows any certificate to anyone who has its id:
-- it reads every learner's certificate facts, and nothing it may not (its
-- column grants in 0011 stay the limit).
CREATE POLICY web_reads ON public.user_profiles FOR SELECT TO certflow_web USING (true);
CREATE POLICY web_reads ON public.bootcamp_enrollments FOR SELECT TO certflow_web USING (true);

-- The app: its community's rows only, reading and writing.
CREATE POLICY app_community ON public.user_profiles TO certflow_app
    USING (community_id = public.current_community_id());
CREATE POLICY app_community ON public.bootcamp_enrollments TO certflow_app
    USING (public.community_of_cohort(cohort_id) = public.current_community_id()
           AND public.community_of_user(user_profile_id) = public.current_community_id());
-- A milestone certflow does not know yet may be written (check_completion reports it).
CREATE POLICY app_community ON public.user_milestone_progress TO certflow_app
    USING (public.community_of_user(user_profile_id) = public.current_community_id()
           AND COALESCE(public.community_of_milestone(milestone_id),
                        public.current_community_id()) = public.current_community_id());
CREATE POLICY app_community ON public.user_activities TO certflow_app
    USING (public.community_of_user(user_profile_id) = public.current_community_id());
CREATE POLICY app_community ON public.user_achievements TO certflow_app
    USING (public.community_of_user(user_profile_id) = public.current_community_id());
CREATE POLICY app_community ON public.user_streaks TO certflow_app
    USING (public.community_of_user(user_profile_id) = public.current_community_id());

-- A learner: their own rows, and other learners' public awards of public achievements.
CREATE POLICY learner_own ON public.user_profiles FOR SELECT TO certflow_learner
    USING (id = public.current_user_profile_id());
CREATE POLICY learner_own ON public.bootcamp_enrollments FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id());
CREATE POLICY learner_own ON public.user_milestone_progress FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id());
CREATE POLICY learner_own ON public.user_activities FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id());
CREATE POLICY learner_own ON public.user_streaks FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id());
CREATE POLICY learner_own_or_public ON public.user_achievements FOR SELECT TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id()
           OR (is_public AND unlocked_at IS NOT NULL
               AND EXISTS (SELECT 1 FROM public.achievements a
                           WHERE a.id = achievement_id AND a.is_public)));
CREATE POLICY learner_own_visibility ON public.user_achievements FOR UPDATE TO certflow_learner
    USING (user_profile_id = public.current_user_profile_id());

-- An instructor: progress in the cohorts they teach, read and validated.
CREATE POLICY instructor_cohorts ON public.user_milestone_progress FOR SELECT TO certflow_instructor
    USING (public.instructs_milestone(milestone_id));
CREATE POLICY instructor_validates ON public.user_milestone_progress FOR UPDATE TO certflow_instructor
    USING (public.instructs_milestone(milestone_id))
    WITH CHECK (public.instructs_milestone(milestone_id));

-- emit_event's INSERT ... ON CONFLICT (idempotency_key) needs SELECT on the key
-- column, which the app and instructor roles must not have (keys name other
-- communities' learners): so it runs as its owner, and callers need EXECUTE
-- only. Without this an app completing a milestone, recording an activity, or
-- an instructor approving one, is refused on event_outbox.
ALTER FUNCTION public.emit_event(text, jsonb, text) SECURITY DEFINER;

-- Privileges. New functions are not PUBLIC (as 0004 did for the first ones).
REVOKE ALL ON public.communities, public.cohort_instructors, public.achievement_criteria_types,
    public.achievements, public.user_achievements, public.user_streaks FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.is_time_zone(text), public.milestone_gate(),
    public.activity_local_date(), public.rebuild_streaks(uuid[]),
    public.record_activity(uuid, text, timestamptz, jsonb),
    public.achievement_criteria_problem(jsonb), public.validate_achievement_criteria(),
    public.achievement_progress(uuid[], uuid[]),
    public.evaluate_achievements(text, text, jsonb),
    public.achievement_dashboard(uuid, integer), public.current_community_id(),
    public.current_user_profile_id(), public.community_of_user(uuid),
    public.community_of_cohort(text), public.community_of_milestone(text),
    public.instructs_milestone(text), public.validate_milestone(uuid, text, boolean, text)
    FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO certflow_learner, certflow_instructor;
-- Policy helpers run as the querying role.
GRANT EXECUTE ON FUNCTION public.current_community_id(), public.current_user_profile_id(),
    public.community_of_user(uuid), public.community_of_cohort(text),
    public.community_of_milestone(text), public.instructs_milestone(text)
    TO certflow_app, certflow_worker, certflow_learner, certflow_instructor;
-- Catalog reads.
GRANT SELECT ON public.communities, public.achievements, public.achievement_criteria_types,
    public.cohort_instructors TO certflow_app, certflow_learner, certflow_instructor;
GRANT SELECT ON public.bootcamp_programs, public.cohorts, public.cohort_milestones
    TO certflow_learner, certflow_instructor;

-- The app: what it had, with the validation columns taken out of its reach.
REVOKE INSERT, UPDATE ON public.user_milestone_progress FROM certflow_app;
GRANT INSERT (id, user_profile_id, milestone_id, status, progress_percentage, started_at,
    completed_at), UPDATE (status, progress_percentage, started_at, completed_at)
    ON public.user_milestone_progress TO certflow_app;
GRANT INSERT ON public.user_activities TO certflow_app;
GRANT SELECT ON public.user_achievements, public.user_streaks TO certflow_app;
GRANT EXECUTE ON FUNCTION public.record_activity(uuid, text, timestamptz, jsonb),
    public.achievement_dashboard(uuid, integer), public.milestone_gate(),
    public.activity_local_date(), public.is_time_zone(text) TO certflow_app;

-- A learner reads their data and chooses whether an award is shown to others.
GRANT SELECT ON public.user_profiles, public.bootcamp_enrollments, public.user_milestone_progress,
    public.user_activities, public.user_achievements, public.user_streaks TO certflow_learner;
GRANT UPDATE (is_public) ON public.user_achievements TO certflow_learner;
GRANT EXECUTE ON FUNCTION public.achievement_dashboard(uuid, integer) TO certflow_learner;

-- An instructor validates: an approval emits milestone.completed through the 0002 trigger.
GRANT SELECT ON public.user_milestone_progress TO certflow_instructor;
GRANT UPDATE (status, validated_by, validated_at, validation_note)
    ON public.user_milestone_progress TO certflow_instructor;
GRANT INSERT ON public.event_outbox TO certflow_instructor;
GRANT SELECT ON public.outbox_relay_state TO certflow_instructor;
GRANT EXECUTE ON FUNCTION public.validate_milestone(uuid, text, boolean, text),
    public.milestone_gate(), public.emit_event(text, jsonb, text),
    public.enqueue_milestone_completed(), public.touch_updated_at() TO certflow_instructor;

-- Workers: the engine; admins: the catalog and the streak rebuild.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO certflow_worker;
GRANT INSERT, UPDATE ON public.user_achievements, public.user_streaks TO certflow_worker;
GRANT EXECUTE ON FUNCTION public.evaluate_achievements(text, text, jsonb),
    public.rebuild_streaks(uuid[]), public.achievement_progress(uuid[], uuid[]),
    public.record_activity(uuid, text, timestamptz, jsonb),
    public.achievement_dashboard(uuid, integer), public.milestone_gate(),
    public.activity_local_date(), public.is_time_zone(text),
    public.validate_milestone(uuid, text, boolean, text) TO certflow_worker;
GRANT INSERT, UPDATE ON public.achievements, public.communities, public.cohort_instructors
    TO certflow_admin;
GRANT EXECUTE ON FUNCTION public.achievement_criteria_problem(jsonb),
    public.validate_achievement_criteria() TO certflow_admin;

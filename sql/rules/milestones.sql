-- Milestone gates: prerequisites, attempts and manual validation by an
-- instructor. The columns and the cohort_instructors table are in 0014.

-- Before a progress row enters 'completed' or 'pending_validation': refuse it
-- while prerequisites are incomplete, count the attempt, and hold a manual
-- milestone at 'pending_validation' until an instructor sets validated_at
-- (which only the instructor role may write). The milestone.completed trigger
-- (outbox.sql) reads the final status, so a held milestone emits nothing.
-- SECURITY DEFINER: prerequisites may lie outside what the caller's row-level
-- security lets it see (an instructor sees only their cohorts).
CREATE OR REPLACE FUNCTION public.milestone_gate() RETURNS trigger
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
REVOKE ALL ON FUNCTION public.milestone_gate() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.milestone_gate()
    TO certflow_app, certflow_instructor, certflow_worker;

CREATE OR REPLACE TRIGGER trg_milestone_gate
    BEFORE INSERT OR UPDATE OF status ON public.user_milestone_progress
    FOR EACH ROW EXECUTE FUNCTION public.milestone_gate();

-- An instructor approves (or sends back) a submitted manual milestone.
-- SECURITY INVOKER on purpose: which rows the instructor may touch is decided
-- by row-level security (instructs_milestone: a cohort they teach, in the
-- session's community), not by a check in here; another community's learner or
-- milestone answers as one that is not awaiting validation. Only the API's path
-- names an instructor (current_user_profile_id).
CREATE OR REPLACE FUNCTION public.validate_milestone(p_user_profile_id uuid, p_milestone_id text,
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
        RAISE EXCEPTION 'Validating a milestone needs an instructor: the API names them after verifying their token'
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
REVOKE ALL ON FUNCTION public.validate_milestone(uuid, text, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.validate_milestone(uuid, text, boolean, text)
    TO certflow_instructor, certflow_worker;

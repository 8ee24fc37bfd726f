-- The transactional outbox's rules: every event goes through emit_event, and a
-- milestone that becomes completed writes its milestone.completed event in the
-- same transaction. Applied by `certflow migrate` whenever this file changes
-- (its tables are in 0002 and 0015).

-- Apps (through the owner's functions) and actors write an event here; NOTIFY
-- only wakes a relay that is waiting. SECURITY DEFINER: its INSERT ... ON
-- CONFLICT needs SELECT on the key column, which callers must not have (keys
-- name other communities' learners). Running as its owner, the outbox's
-- row-level security does not see who called it: it refuses replay events
-- itself unless the session is an admin's. Replays are the admin path's alone.
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
REVOKE ALL ON FUNCTION public.emit_event(text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.emit_event(text, jsonb, text) TO certflow_worker, certflow_owner;

-- A milestone becoming completed (by UPDATE, or INSERT of a completed row)
-- writes one milestone.completed event in the same transaction. SECURITY
-- DEFINER, owned by certflow_owner: the app and instructor roles need no right
-- on the outbox. Trigger functions need no EXECUTE right to fire.
CREATE OR REPLACE FUNCTION public.enqueue_milestone_completed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM public.emit_event(
        'milestone.completed',
        pg_catalog.jsonb_build_object(
            'progress_id', NEW.id,
            'user_profile_id', NEW.user_profile_id,
            'milestone_id', NEW.milestone_id),
        'milestone.completed:' || NEW.user_profile_id::text || ':' || NEW.milestone_id);
    RETURN NULL;
END;
$$;
ALTER FUNCTION public.enqueue_milestone_completed() OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.enqueue_milestone_completed() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.enqueue_milestone_completed() TO certflow_instructor;

CREATE OR REPLACE TRIGGER trg_milestone_completed_insert
    AFTER INSERT ON public.user_milestone_progress
    FOR EACH ROW WHEN (NEW.status = 'completed')
    EXECUTE FUNCTION public.enqueue_milestone_completed();

CREATE OR REPLACE TRIGGER trg_milestone_completed_update
    AFTER UPDATE OF status ON public.user_milestone_progress
    FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
    EXECUTE FUNCTION public.enqueue_milestone_completed();

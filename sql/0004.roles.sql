-- Group roles (NOLOGIN): a deployment grants them to its login users.
--   certflow_app    what a learning app needs: write progress, read the catalogue
--   certflow_worker what relay and actors need
--   certflow_admin  repair functions and dead-letter replay
-- Roles are cluster-wide, so they are created only when missing.
-- depends: 0003.completion

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_app') THEN
        CREATE ROLE certflow_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_worker') THEN
        CREATE ROLE certflow_worker NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_admin') THEN
        CREATE ROLE certflow_admin NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO certflow_app, certflow_worker, certflow_admin;

-- The app: catalogue read, own progress written. The outbox insert happens in
-- SECURITY INVOKER triggers, so the app may insert events but never read them.
GRANT SELECT ON public.bootcamp_programs, public.cohorts, public.cohort_milestones,
    public.bootcamp_enrollments, public.user_activities TO certflow_app;
GRANT SELECT, INSERT, UPDATE ON public.user_milestone_progress, public.user_profiles TO certflow_app;
GRANT INSERT ON public.event_outbox TO certflow_app;
GRANT SELECT ON public.outbox_relay_state TO certflow_app;
GRANT EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.enqueue_milestone_completed(), public.touch_updated_at() TO certflow_app;

-- Workers: the relay and the actors.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO certflow_worker;
GRANT INSERT, UPDATE ON public.event_outbox, public.outbox_relay_state,
    public.processed_messages, public.dead_letters, public.user_activities TO certflow_worker;
GRANT UPDATE ON public.bootcamp_enrollments TO certflow_worker;
GRANT EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.check_milestone_completion(uuid, text), public.complete_enrollment(uuid, text),
    public.handle_milestone_completed(text, text, text, uuid, text),
    public.enrollment_milestone_counts(uuid, text), public.touch_updated_at() TO certflow_worker;

-- Admins: everything workers do, plus the repair functions.
GRANT certflow_worker TO certflow_admin;
GRANT INSERT, UPDATE ON public.cohort_milestones TO certflow_admin;
GRANT EXECUTE ON FUNCTION public.fix_completion_status(uuid),
    public.fix_completion_statuses(text, integer), public.force_clear_claim_lock(uuid),
    public.refuse_milestone_after_certificates() TO certflow_admin;

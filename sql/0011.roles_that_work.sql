-- Roles that work, least privilege: a non-login owner role owns the functions
-- that must run with more rights than their caller (the milestone trigger, the
-- claim entry point); the app can no longer write the outbox, the ledger or
-- completion activities, nor call internal functions; only the admin role
-- creates replay events and writes the feature flags; the worker role gets
-- what the pipeline (reconciler and retention included) needs.
-- depends: 0006.certificates 0010.certificates

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_owner') THEN
        CREATE ROLE certflow_owner NOLOGIN;
    END IF;
END
$$;

-- The owner role must be able to do what its SECURITY DEFINER functions do,
-- whoever created the tables.
GRANT USAGE ON SCHEMA public TO certflow_owner;
GRANT SELECT, INSERT, UPDATE ON public.event_outbox, public.bootcamp_enrollments
    TO certflow_owner;
GRANT SELECT ON public.outbox_relay_state, public.certificate_flags, public.cohorts,
    public.bootcamp_programs TO certflow_owner;
GRANT EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.claim_certificate(uuid, boolean) TO certflow_owner;

-- The milestone trigger writes the outbox with the owner's rights, so the app
-- needs no right on the outbox at all (not even the SELECT its ON CONFLICT needs).
ALTER FUNCTION public.enqueue_milestone_completed() SECURITY DEFINER;
ALTER FUNCTION public.enqueue_milestone_completed() OWNER TO certflow_owner;
ALTER FUNCTION public.request_certificate_claim(uuid) OWNER TO certflow_owner;

-- The app: no outbox, no internal functions. Trigger functions need no EXECUTE
-- right to fire (it is checked when the trigger is created).
REVOKE INSERT ON public.event_outbox FROM certflow_app;
REVOKE SELECT ON public.outbox_relay_state FROM certflow_app;
REVOKE EXECUTE ON FUNCTION public.emit_event(text, jsonb, text),
    public.enqueue_milestone_completed(), public.touch_updated_at() FROM certflow_app;
GRANT INSERT ON public.user_activities TO certflow_app;
GRANT SELECT ON public.user_milestone_progress, public.user_profiles,
    public.bootcamp_completion_remarks TO certflow_app;

-- Activities: the app records what learners do, but a bootcamp_completed row
-- is the pipeline's (one per completed enrollment, unique): an app that could
-- insert one would squat it.
ALTER TABLE public.user_activities ENABLE ROW LEVEL SECURITY;
CREATE POLICY app_reads_activities ON public.user_activities
    FOR SELECT TO certflow_app USING (true);
CREATE POLICY app_records_activities ON public.user_activities
    FOR INSERT TO certflow_app WITH CHECK (activity_type <> 'bootcamp_completed');
CREATE POLICY pipeline_activities ON public.user_activities
    FOR ALL TO certflow_worker, certflow_admin USING (true) WITH CHECK (true);

-- The outbox: workers write the pipeline's events, only the admin path a replay.
ALTER TABLE public.event_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY worker_reads_outbox ON public.event_outbox
    FOR SELECT TO certflow_worker USING (true);
-- Workers update only the dispatch columns (column rights below), so an
-- update cannot turn an event into a replay either.
CREATE POLICY worker_dispatches_outbox ON public.event_outbox
    FOR UPDATE TO certflow_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_prunes_outbox ON public.event_outbox
    FOR DELETE TO certflow_worker USING (true);
CREATE POLICY worker_emits_events ON public.event_outbox
    FOR INSERT TO certflow_worker WITH CHECK (kind <> 'replay');
CREATE POLICY admin_outbox ON public.event_outbox
    FOR ALL TO certflow_admin USING (true) WITH CHECK (true);
-- The owner role's functions (trigger, claim) insert with its rights.
CREATE POLICY owner_outbox ON public.event_outbox
    FOR ALL TO certflow_owner USING (true) WITH CHECK (true);

-- Workers: a bad event removes its own ledger key (so a replay after the fix
-- runs); the reconciler prunes old keys and dispatched events.
GRANT DELETE ON public.processed_messages, public.event_outbox TO certflow_worker;
REVOKE UPDATE ON public.event_outbox FROM certflow_worker;
GRANT UPDATE (dispatched_at, failed_at, last_error) ON public.event_outbox TO certflow_worker;
-- Only `certflow flags` (an admin) writes the feature flags.
REVOKE UPDATE ON public.certificate_flags FROM certflow_worker;
GRANT UPDATE ON public.certificate_flags TO certflow_admin;

-- Admins: the catalogue (bootcamps, cohorts, milestones, lock addresses) and
-- the enrollment and learner rows a repair touches.
GRANT INSERT, UPDATE ON public.bootcamp_programs, public.cohorts, public.user_profiles,
    public.bootcamp_enrollments, public.user_milestone_progress,
    public.bootcamp_completion_remarks TO certflow_admin;

-- The reconciler's and retention's scans: outbox rows by dispatch time, ledger
-- keys by age, dead letters by the outbox row they came from (the outbox
-- prune's foreign-key check reads it).
CREATE INDEX idx_event_outbox_dispatched ON public.event_outbox (dispatched_at)
    WHERE dispatched_at IS NOT NULL;
CREATE INDEX idx_processed_messages_processed_at ON public.processed_messages (processed_at);
CREATE INDEX idx_dead_letters_outbox ON public.dead_letters (outbox_id)
    WHERE outbox_id IS NOT NULL;
CREATE INDEX idx_dead_letters_open_key ON public.dead_letters (idempotency_key)
    WHERE replayed_at IS NULL;

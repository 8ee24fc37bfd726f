-- The admin audit trail: one row per admin action (CLI or web), who did it,
-- when, with what arguments, and what came of it. Append-only: admins insert
-- and read, nobody updates or deletes through the application roles.
-- depends: 0015.roles_that_work

CREATE TABLE public.admin_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    -- The OS user of a CLI command, or the signed-in admin of the web page.
    actor text NOT NULL,
    via text NOT NULL CHECK (via IN ('cli', 'web')),
    command text NOT NULL,
    arguments jsonb NOT NULL DEFAULT '{}'::jsonb,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed', 'dry_run')),
    result jsonb,
    -- The database login that wrote the row, whatever the actor claims.
    db_user text NOT NULL DEFAULT session_user
);

CREATE INDEX idx_admin_audit_at ON public.admin_audit (at DESC);
CREATE INDEX idx_admin_audit_command ON public.admin_audit (command, at DESC);

GRANT SELECT, INSERT ON public.admin_audit TO certflow_admin;
GRANT USAGE ON SEQUENCE public.admin_audit_id_seq TO certflow_admin;

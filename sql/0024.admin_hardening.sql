-- The admin console, hardened (issue 19): sessions kept by the server, so signing
-- out ends one for good; audit rows the database vouches for (written only by the
-- SECURITY DEFINER functions in sql/rules/audit.sql, which set the time and the
-- database user themselves); and dry-run selections stored as ranges of ids.
-- depends: 0021.applied_rules

-- One row per signed-in browser. The cookie holds a random token; the table holds
-- only its sha256, so reading the table opens no session.
CREATE TABLE public.admin_sessions (
    token_sha256 bytea PRIMARY KEY,
    admin text NOT NULL,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX idx_admin_sessions_expires ON public.admin_sessions (expires_at);
GRANT SELECT, INSERT, DELETE ON public.admin_sessions TO certflow_admin;

-- The letters a dry run showed, frozen: what `replay --selection N` takes.
CREATE TABLE public.dead_letter_selections (
    audit_id bigint PRIMARY KEY REFERENCES public.admin_audit (id),
    command text NOT NULL,
    ids int8multirange NOT NULL,
    letters integer NOT NULL
);
GRANT SELECT ON public.dead_letter_selections TO certflow_admin;

-- Admins no longer insert audit rows themselves: the functions do, as the owner.
REVOKE INSERT ON public.admin_audit FROM certflow_admin;
REVOKE USAGE ON SEQUENCE public.admin_audit_id_seq FROM certflow_admin;

-- `certflow reconcile` and `outbox status` check that the schema is not behind
-- (migrations and rules files) before they work; the scheduler's passes run as the
-- worker role, which may therefore see which rules files a database runs.
GRANT SELECT ON public.applied_rules TO certflow_worker;

-- Which version of each rules file (sql/rules/*.sql: the functions and triggers
-- that hold business rules) this database runs: `certflow migrate` applies a
-- file again, in one transaction with its row here, whenever its sha256 differs.
-- depends: 0020.operations

CREATE TABLE public.applied_rules (
    -- The file's name in sql/rules/, e.g. 'claims.sql'.
    file text PRIMARY KEY,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Written only by whoever runs the migrations (the owner); admins may see which
-- rules a database runs.
REVOKE ALL ON public.applied_rules FROM PUBLIC;
GRANT SELECT ON public.applied_rules TO certflow_admin;

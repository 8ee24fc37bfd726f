-- Named queries: the admin audit trail. Each section is one statement.

-- name: audit_insert
-- Through the writer (sql/rules/audit.sql): the database sets the time and db_user.
SELECT public.admin_audit_write(:actor, :via, :command, CAST(:arguments AS jsonb), :outcome,
                                CAST(:result AS jsonb));

-- name: audit_dry_run
-- A dead-letter dry run: its audit row and the selection (the open letters among :ids).
SELECT public.admin_dead_letter_dry_run(:actor, :via, :command, CAST(:arguments AS jsonb),
                                        CAST(:ids AS bigint[]));

-- name: audit_list
-- Newest first; every filter is optional (NULL matches everything).
SELECT id, at, actor, via, command, arguments, outcome, result, db_user
FROM public.admin_audit
WHERE (CAST(:command AS text) IS NULL OR command = :command)
  AND (CAST(:actor AS text) IS NULL OR actor = :actor)
  AND (CAST(:outcome AS text) IS NULL OR outcome = :outcome)
  AND (CAST(:since AS timestamptz) IS NULL OR at >= :since)
ORDER BY id DESC
LIMIT :limit;

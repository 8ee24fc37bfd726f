-- Named queries: the admin audit trail. Each section is one statement.

-- name: audit_insert
INSERT INTO public.admin_audit (actor, via, command, arguments, outcome, result)
VALUES (:actor, :via, :command, CAST(:arguments AS jsonb), :outcome, CAST(:result AS jsonb))
RETURNING id;

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

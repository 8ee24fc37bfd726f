"""What each database role can reach, read from the live catalogue, against the decisions
kept in roles_allowlist.txt: a new table, column right, function, policy or membership that
nobody decided on fails here, and so does one that was taken away."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

ALLOWLIST = Path(__file__).with_name("roles_allowlist.txt")
#: The roles a deployment grants to its logins (the owner owns everything; not listed).
ROLES = (
    "certflow_app",
    "certflow_learner",
    "certflow_instructor",
    "certflow_api",
    "certflow_web",
    "certflow_worker",
    "certflow_admin",
)

_REACH = r"""
WITH roles AS (SELECT unnest(CAST(:roles AS text[])) AS role),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relrowsecurity FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND c.relname NOT LIKE '\_yoyo%' AND c.relname NOT LIKE 'yoyo%'
),
tables AS (
    SELECT r.role || ' table ' || t.relname || ' ' || p.priv AS line, r.role, t.oid, p.priv
    FROM roles r CROSS JOIN rels t
    CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',
                            'TRIGGER']) AS p (priv)
    WHERE t.relkind <> 'S'
)
SELECT line FROM tables WHERE has_table_privilege(role, oid, priv)
UNION ALL
SELECT t.role || ' column ' || c.relname || '.' || a.attname || ' ' || t.priv
FROM tables t JOIN pg_class c ON c.oid = t.oid
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE t.priv IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
  AND NOT has_table_privilege(t.role, t.oid, t.priv)
  AND has_column_privilege(t.role, t.oid, a.attnum, t.priv)
UNION ALL
SELECT r.role || ' sequence ' || s.relname || ' ' || p.priv
FROM roles r CROSS JOIN rels s CROSS JOIN unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p (priv)
WHERE s.relkind = 'S' AND has_sequence_privilege(r.role, s.oid, p.priv)
UNION ALL
SELECT r.role || ' function ' || replace(f.oid::regprocedure::text, 'public.', '')
    || CASE WHEN f.prosecdef THEN ' SECURITY DEFINER' ELSE '' END
FROM roles r CROSS JOIN pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
WHERE n.nspname = 'public' AND has_function_privilege(r.role, f.oid, 'EXECUTE')
UNION ALL
SELECT r.role || ' member of ' || g.rolname
FROM roles r JOIN pg_roles m ON m.rolname = r.role
JOIN pg_auth_members am ON am.member = m.oid JOIN pg_roles g ON g.oid = am.roleid
UNION ALL
SELECT '* table ' || relname || ' row-level security ' || CASE WHEN relrowsecurity THEN 'on'
    ELSE 'off' END FROM rels WHERE relkind <> 'S'
UNION ALL
SELECT '* policy ' || tablename || '.' || policyname || ' ' || lower(permissive) || ' for '
    || lower(cmd) || ' to ' || array_to_string(roles, ',')
    || coalesce(' using ' || regexp_replace(qual, '\s+', ' ', 'g'), '')
    || coalesce(' check ' || regexp_replace(with_check, '\s+', ' ', 'g'), '')
FROM pg_policies WHERE schemaname = 'public'
"""


def reach(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.text(_REACH), {"roles": list(ROLES)}).scalars())


def decided() -> set[str]:
    lines = (line.strip() for line in ALLOWLIST.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def test_every_grant_policy_and_membership_is_decided(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        live = reach(conn)
    allowed = decided()
    new, gone = sorted(live - allowed), sorted(allowed - live)
    assert (new, gone) == ([], []), (
        f"the roles reach what {ALLOWLIST.name} does not say. Decide, then edit the file"
        " (one line each, sorted; `LC_ALL=C sort -o FILE FILE`):\n"
        + "".join(f"+ {line}\n" for line in new)
        + "".join(f"- {line}\n" for line in gone)
        + "(+: reachable but not decided: add the line, or revoke the right;"
        " -: decided but no longer there: remove the line)"
    )


def test_the_allowlist_is_sorted_and_has_no_duplicates() -> None:
    lines = [
        line
        for line in ALLOWLIST.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == sorted(set(lines))

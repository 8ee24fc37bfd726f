-- Named queries: communities (tenants) and the database logins bound to them.

-- name: community_create
INSERT INTO public.communities (id, name) VALUES (:slug, :name)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, created_at;

-- name: community_list
SELECT c.id, c.name, c.created_at,
       COALESCE(array_agg(l.login ORDER BY l.login) FILTER (WHERE l.login IS NOT NULL),
                '{}') AS logins
FROM public.communities c
LEFT JOIN public.community_logins l ON l.community_id = c.id
GROUP BY c.id
ORDER BY c.id;

-- name: community_exists
SELECT EXISTS (SELECT 1 FROM public.communities WHERE id = :community);

-- name: login_roles
-- What the login is: does it exist, may it log in, and which certflow roles it holds.
SELECT r.rolcanlogin AS can_login,
       pg_has_role(r.oid, 'certflow_app', 'MEMBER') AS app,
       pg_has_role(r.oid, 'certflow_api', 'MEMBER') AS api,
       pg_has_role(r.oid, 'certflow_worker', 'MEMBER') AS pipeline,
       r.rolsuper AS superuser
FROM pg_catalog.pg_roles r WHERE r.rolname = :login;

-- name: login_binding
SELECT community_id FROM public.community_logins WHERE login = :login;

-- name: login_bind
INSERT INTO public.community_logins (login, community_id) VALUES (:login, :community)
ON CONFLICT (login) DO NOTHING;

-- name: login_unbind
DELETE FROM public.community_logins WHERE login = :login RETURNING community_id;

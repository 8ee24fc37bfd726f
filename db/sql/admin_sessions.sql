-- Named queries: the admin console's sign-in sessions (0024). The cookie holds a
-- random token; rows are found by its sha256.

-- name: admin_session_start
INSERT INTO public.admin_sessions (token_sha256, admin, csrf, expires_at)
VALUES (:token_sha256, :admin, :csrf, now() + make_interval(secs => :seconds));

-- name: admin_session_find
SELECT admin, csrf FROM public.admin_sessions
WHERE token_sha256 = :token_sha256 AND expires_at > now();

-- name: admin_session_end
DELETE FROM public.admin_sessions WHERE token_sha256 = :token_sha256;

-- name: admin_sessions_prune
DELETE FROM public.admin_sessions WHERE expires_at <= now();

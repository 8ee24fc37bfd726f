-- Named queries: session-level advisory locks (db/locks.py).

-- name: session_lock_try
-- Session-level, so it outlives the transaction and dies with the connection.
-- The first key is the kind's namespace, the second the name hashed.
SELECT pg_try_advisory_lock(CAST(:namespace AS integer), hashtext(:name));

-- name: session_lock_release
SELECT pg_advisory_unlock(CAST(:namespace AS integer), hashtext(:name));

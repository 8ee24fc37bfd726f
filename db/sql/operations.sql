-- Named queries: operations (the scheduler's job locks, the metrics snapshot).

-- name: job_lock_try
-- Session-level, so it outlives the transaction and dies with the connection: a
-- killed scheduler's lock is gone when Postgres notices the session ended.
-- The first key is certflow's namespace for job locks, the second the job's name.
SELECT pg_try_advisory_lock(1868785010, hashtext(:job));

-- name: job_lock_release
SELECT pg_advisory_unlock(1868785010, hashtext(:job));

-- name: metrics_snapshot
SELECT metric, label, value FROM public.certflow_metrics();

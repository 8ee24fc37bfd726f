-- Named queries: a chain batch's owner lock.

-- name: batch_owner_try
-- Held by the run that is sending a batch (grant, multiAttest or anchor), on a
-- connection of its own, for as long as it sends. Session-level, so it dies with
-- the run's connection: a batch whose lock is free has no live sender, and only
-- then may another run (a retry, the reconciler) take it over.
-- The first key is certflow's namespace for batch owners, the second the batch id;
-- certificate_target and attest_retry_take* read pg_locks for it (a stale batch is
-- one whose owner holds no lock).
SELECT pg_try_advisory_lock(1651799400, hashtext(:batch));

-- name: batch_owner_release
SELECT pg_advisory_unlock(1651799400, hashtext(:batch));

-- Named queries: completion. Each section is one statement.

-- name: fix_completion_status
SELECT public.fix_completion_status(:enrollment_id);

-- name: fix_completion_statuses
SELECT public.fix_completion_statuses(:cohort_id, :limit);

-- name: force_clear_claim_lock
SELECT public.force_clear_claim_lock(:enrollment_id);

-- name: handle_milestones_completed
SELECT public.handle_milestones_completed(:actor, :message_id, CAST(:events AS jsonb));

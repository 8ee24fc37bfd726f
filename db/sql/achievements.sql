-- Named queries: achievements, streaks, activities. Each section is one statement.

-- name: evaluate_achievements
-- The engine for a batch of events (sql/0014.achievements.sql): ledger keys, streaks, awards.
SELECT public.evaluate_achievements(:actor, :message_id, CAST(:events AS jsonb));

-- name: record_activity
SELECT public.record_activity(:user_profile_id, :kind, :occurred_at, CAST(:data AS jsonb));

-- name: rebuild_streaks
SELECT public.rebuild_streaks(CAST(:user_profile_ids AS uuid[]));

-- name: achievement_dashboard
SELECT public.achievement_dashboard(:user_profile_id, :within_reach);

-- name: validate_milestone
SELECT public.validate_milestone(:user_profile_id, :milestone_id, :approved, :note);

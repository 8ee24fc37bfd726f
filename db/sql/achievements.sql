-- Named queries: achievements, streaks, activities. Each section is one statement.

-- name: evaluate_achievements
-- The engine for one event (sql/0014.achievements.sql): ledger key, streaks, awards.
SELECT public.evaluate_achievements(:actor, :key, :message_id, :kind,
    CAST(:user_profile_id AS uuid), CAST(:enrollment_id AS uuid));

-- name: record_activity
SELECT public.record_activity(:user_profile_id, :kind, :occurred_at, CAST(:data AS jsonb));

-- name: rebuild_streaks
SELECT public.rebuild_streaks(CAST(:user_profile_id AS uuid));

-- name: achievement_dashboard
SELECT public.achievement_dashboard(:user_profile_id, :within_reach);

-- name: validate_milestone
SELECT public.validate_milestone(:user_profile_id, :milestone_id, :approved, :note);

-- The dead-letter console: a purge marks letters instead of deleting them.
-- A purged letter keeps replayed_at NULL, so the reconciler's lost-message scan
-- and the retention prune still see a dead letter for its key and never send
-- the message again behind the admin's back; listings hide it.
-- depends: 0015.roles_that_work

ALTER TABLE public.dead_letters
    ADD COLUMN purged_at timestamptz,
    ADD COLUMN purged_by text;

CREATE INDEX idx_dead_letters_listed ON public.dead_letters (id)
    WHERE replayed_at IS NULL AND purged_at IS NULL;

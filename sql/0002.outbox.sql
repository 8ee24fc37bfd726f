-- The transactional outbox: an event commits with the state change that causes
-- it; the relay is the only producer to the broker.
-- depends: 0001.schema

CREATE TABLE public.event_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    dispatched_at timestamptz,
    -- A payload the relay cannot turn into a message is parked here for an admin.
    failed_at timestamptz,
    last_error text
);
CREATE INDEX idx_event_outbox_pending ON public.event_outbox (id)
    WHERE dispatched_at IS NULL AND failed_at IS NULL;

-- One row: is a relay idle on LISTEN? Commits NOTIFY only then, because NOTIFY
-- serializes every notifying commit on a cluster-wide lock.
CREATE TABLE public.outbox_relay_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    waiting boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO public.outbox_relay_state (singleton, waiting) VALUES (true, false);

-- Exactly-once effects: an actor records the key in the same transaction as its effect.
CREATE TABLE public.processed_messages (
    actor text NOT NULL,
    idempotency_key text NOT NULL,
    message_id text,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, idempotency_key)
);

-- What an admin must look at: permanent errors at once, transient ones once
-- retries are exhausted. Replay re-sends the message through the outbox.
CREATE TABLE public.dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor text NOT NULL,
    queue text NOT NULL,
    message_id text NOT NULL,
    idempotency_key text,
    enrollment_id uuid,
    outbox_id bigint REFERENCES public.event_outbox (id) ON DELETE SET NULL,
    payload jsonb NOT NULL,
    error_type text NOT NULL,
    reason text NOT NULL,
    permanent boolean NOT NULL,
    retries integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz
);
CREATE INDEX idx_dead_letters_open ON public.dead_letters (created_at) WHERE replayed_at IS NULL;
CREATE UNIQUE INDEX uq_dead_letters_message ON public.dead_letters (message_id, actor)
    WHERE replayed_at IS NULL;

-- Apps and actors call this to write an event; NOTIFY only wakes a waiting relay.
CREATE FUNCTION public.emit_event(p_kind text, p_payload jsonb, p_idempotency_key text)
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    INSERT INTO public.event_outbox (kind, payload, idempotency_key)
    VALUES (p_kind, p_payload, p_idempotency_key)
    ON CONFLICT (idempotency_key) DO NOTHING;
    IF (SELECT s.waiting FROM public.outbox_relay_state s) THEN
        -- Constant payload: identical notifications in one transaction collapse.
        PERFORM pg_catalog.pg_notify('certflow', '');
    END IF;
END;
$$;

-- A milestone becoming completed (by UPDATE, or INSERT of a completed row)
-- writes one milestone.completed event in the same transaction.
CREATE FUNCTION public.enqueue_milestone_completed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    PERFORM public.emit_event(
        'milestone.completed',
        pg_catalog.jsonb_build_object(
            'progress_id', NEW.id,
            'user_profile_id', NEW.user_profile_id,
            'milestone_id', NEW.milestone_id),
        'milestone.completed:' || NEW.user_profile_id::text || ':' || NEW.milestone_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER trg_milestone_completed_insert
    AFTER INSERT ON public.user_milestone_progress
    FOR EACH ROW WHEN (NEW.status = 'completed')
    EXECUTE FUNCTION public.enqueue_milestone_completed();

CREATE TRIGGER trg_milestone_completed_update
    AFTER UPDATE OF status ON public.user_milestone_progress
    FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
    EXECUTE FUNCTION public.enqueue_milestone_completed();

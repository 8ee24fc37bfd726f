-- Operations: one cheap snapshot of what the metrics endpoints report, for every
-- process type. A SECURITY DEFINER function owned by certflow_owner, so the web
-- role (which may not read the outbox, dead letters or transactions) can export
-- aggregates and nothing else.

-- Each row is one sample: metric, its label value ('' when it has none), value.
-- It runs on each scrape: every part reads a partial index or chain_transactions (one
-- row per batch, not per learner). Certificates are counted by the render workers.
CREATE OR REPLACE FUNCTION public.certflow_metrics()
RETURNS TABLE (metric text, label text, value double precision)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT 'outbox_pending', '', count(*)::double precision
    FROM public.event_outbox WHERE dispatched_at IS NULL AND failed_at IS NULL
    UNION ALL
    SELECT 'outbox_oldest_pending_age_seconds', '',
        coalesce(extract(epoch FROM now() - (
            SELECT created_at FROM public.event_outbox
            WHERE dispatched_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT 1
        )), 0)::double precision
    UNION ALL
    SELECT 'dead_letters', queue, count(*)::double precision
    -- Open letters, as `certflow status` counts them: a purged one is dealt with.
    FROM public.dead_letters WHERE replayed_at IS NULL AND purged_at IS NULL GROUP BY queue
    UNION ALL
    SELECT 'chain_transactions', status, count(*)::double precision
    FROM public.chain_transactions GROUP BY status
    UNION ALL
    SELECT 'chain_gas_used', '', coalesce(sum(gas_used), 0)::double precision
    FROM public.chain_transactions WHERE status = 'mined'
    UNION ALL
    SELECT 'chain_pending_nonces', '', count(*)::double precision
    FROM public.chain_transactions WHERE status IN ('signed', 'broadcast')
    UNION ALL
    SELECT 'chain_oldest_pending_age_seconds', '',
        coalesce(extract(epoch FROM now() - min(created_at)), 0)::double precision
    FROM public.chain_transactions WHERE status IN ('signed', 'broadcast')

$$;
ALTER FUNCTION public.certflow_metrics() OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.certflow_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.certflow_metrics()
    TO certflow_worker, certflow_admin, certflow_web;

-- Queueing a webhook delivery that an admin or an app asked for (a test event, a replay).
-- The request writes a webhook.resend event in the caller's transaction (the relay sends it
-- to the webhooks queue), so the delivery and its sending commit together: nothing is
-- sent from inside the transaction and nothing is lost after it. SECURITY DEFINER (the
-- app role has no right on the outbox), with the tenant check: another community's
-- delivery is as unknown as a made-up id.
CREATE OR REPLACE FUNCTION public.queue_webhook_delivery(p_delivery_id text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text;
    v_replays integer;
BEGIN
    SELECT d.community_id, d.replay_count INTO v_community, v_replays
    FROM public.webhook_deliveries d
    WHERE d.id = p_delivery_id AND d.status = 'pending';
    IF NOT FOUND OR NOT public.session_sees_community(v_community) THEN
        RAISE EXCEPTION 'No pending webhook delivery %', p_delivery_id
            USING ERRCODE = 'no_data_found';
    END IF;
    -- One event per request: a replay counts up, so a second replay is a new event.
    PERFORM public.emit_event(
        'webhook.resend',
        pg_catalog.jsonb_build_object('delivery_ids', pg_catalog.jsonb_build_array(p_delivery_id)),
        'webhook.resend:request:' || p_delivery_id || ':' || v_replays::text);
END;
$$;
ALTER FUNCTION public.queue_webhook_delivery(text) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.queue_webhook_delivery(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.queue_webhook_delivery(text) TO certflow_app, certflow_admin;

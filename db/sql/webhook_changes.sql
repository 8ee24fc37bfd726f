-- Named queries: what the management surface (CLI, /admin, the API) does to webhook
-- endpoints beyond db/webhooks.py: change one, delete one, tell the state of its
-- secrets (never a secret), list a delivery's attempts. As certflow_app (the API),
-- row-level security keeps each to the caller's community.

-- name: webhook_endpoint_change
-- A field left NULL stays as it is.
UPDATE public.webhook_endpoints
SET url = COALESCE(CAST(:url AS text), url),
    event_types = COALESCE(CAST(:event_types AS text[]), event_types),
    description = COALESCE(CAST(:description AS text), description),
    updated_at = now()
WHERE id = :id
RETURNING id;

-- name: webhook_endpoint_delete
-- Its secrets and deliveries go with it (ON DELETE CASCADE).
DELETE FROM public.webhook_endpoints WHERE id = :id RETURNING id;

-- name: webhook_secret_state
-- Per endpoint: how many secrets sign now, and until when the one a rotation
-- replaced is still accepted (NULL: no rotation in progress).
SELECT s.endpoint_id,
       pg_catalog.count(*) AS live_secrets,
       pg_catalog.max(s.expires_at) AS previous_secret_expires_at
FROM public.webhook_secrets s
WHERE s.endpoint_id = ANY (CAST(:ids AS uuid[]))
  AND (s.expires_at IS NULL OR s.expires_at > now())
GROUP BY s.endpoint_id;

-- name: webhook_delivery_attempts
SELECT attempt, at, status_code, error, duration_ms
FROM public.webhook_attempts WHERE delivery_id = :id ORDER BY attempt, id;

-- name: webhook_delivery_body
SELECT body FROM public.webhook_deliveries WHERE id = :id;

-- name: webhook_delivery_queue
-- A webhook.resend event for the pending delivery, in this transaction (sql/rules/
-- webhook_requests.sql): another community's delivery is refused as an unknown one.
SELECT public.queue_webhook_delivery(:id);

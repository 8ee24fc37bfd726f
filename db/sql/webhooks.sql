-- Named queries: webhook deliveries (the engine's side; db/webhooks.py has the
-- management surface's). Each section is one statement.

-- name: webhook_fan_out
-- One delivery per event and enabled endpoint of the event's community that
-- subscribes to its type (and existed when it happened), body frozen now:
-- {"type", "timestamp", "data"}, public facts and ids only (never an email).
-- ON CONFLICT DO NOTHING: a second fan-out of an event (a redelivered message,
-- the reconciler) creates nothing. Returns the new deliveries.
WITH ev AS (
    SELECT o.id, o.created_at, o.payload,
           CASE o.kind WHEN 'certificate.attestation_failed' THEN 'certificate.failed'
                ELSE o.kind END AS type,
           CAST(o.payload ->> 'enrollment_id' AS uuid) AS enrollment_id,
           CAST(o.payload ->> 'user_profile_id' AS uuid) AS user_id
    FROM public.event_outbox o
    WHERE o.id = ANY(CAST(:ids AS bigint[])) AND o.kind = ANY(CAST(:kinds AS text[]))
      -- The reconciler's re-render of a given-up attestation is no new failure.
      AND NOT (o.kind = 'certificate.attestation_failed'
               AND o.payload ->> 'reason' = 'reconciled')
),
facts AS (
    SELECT ev.*, e.cohort_id, c.bootcamp_program_id AS bootcamp_id,
           coalesce(ev.user_id, e.user_profile_id) AS learner_id,
           coalesce(b.community_id, u.community_id) AS community_id,
           e.completion_date, e.certificate_last_error,
           cert.version, cert.sha256, r.revoked_at, r.reason AS revoked_reason,
           a.name AS achievement_name,
           EXISTS (SELECT 1 FROM public.offchain_attestations x
                   WHERE x.uid = ev.payload ->> 'attestation_uid') AS offchain
    FROM ev
    LEFT JOIN public.bootcamp_enrollments e ON e.id = ev.enrollment_id
    LEFT JOIN public.cohorts c ON c.id = e.cohort_id
    LEFT JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
    LEFT JOIN public.user_profiles u ON u.id = coalesce(ev.user_id, e.user_profile_id)
    LEFT JOIN public.certificates cert
        ON cert.id = CAST(ev.payload ->> 'certificate_id' AS uuid)
    LEFT JOIN public.certificate_revocations r
        ON r.enrollment_id = ev.enrollment_id AND ev.type = 'certificate.revoked'
    LEFT JOIN public.achievements a ON a.id = CAST(ev.payload ->> 'achievement_id' AS uuid)
),
bodies AS (
    SELECT f.id, f.type, f.community_id, f.created_at,
           jsonb_build_object(
               'type', f.type,
               -- ISO 8601 in UTC (jsonb's rendering, "Z" added).
               'timestamp', (to_jsonb(f.created_at AT TIME ZONE 'UTC') #>> '{}') || 'Z',
               'data', jsonb_strip_nulls(
                   jsonb_build_object(
                       'community_id', f.community_id, 'enrollment_id', f.enrollment_id,
                       'learner_id', f.learner_id, 'cohort_id', f.cohort_id,
                       'bootcamp_id', f.bootcamp_id)
                   || CASE f.type
                      WHEN 'enrollment.completed' THEN jsonb_build_object(
                          'completed_at', f.completion_date)
                      WHEN 'certificate.key_granted' THEN jsonb_build_object(
                          'tx_hash', f.payload ->> 'tx_hash')
                      WHEN 'certificate.attested' THEN jsonb_build_object(
                          'attestation_uid', f.payload ->> 'attestation_uid',
                          'mode', CASE WHEN f.offchain THEN 'offchain' ELSE 'onchain' END)
                      WHEN 'certificate.issued' THEN jsonb_build_object(
                          'certificate_id', f.payload ->> 'certificate_id',
                          'version', f.version, 'sha256', f.sha256,
                          'verify_url',
                              CAST(:verify_base AS text) || '/' || (f.payload ->> 'certificate_id'),
                          'download_url', CAST(:site_base AS text) || '/certificates/'
                                          || (f.payload ->> 'certificate_id') || '.pdf')
                      WHEN 'certificate.failed' THEN jsonb_build_object(
                          'stage', coalesce(f.payload ->> 'stage', 'attestation'),
                          'message', coalesce(f.payload ->> 'message',
                                              f.certificate_last_error))
                      WHEN 'certificate.revoked' THEN jsonb_build_object(
                          'revoked_at', f.revoked_at, 'reason', f.revoked_reason)
                      WHEN 'achievement.unlocked' THEN jsonb_build_object(
                          'achievement_id', f.payload ->> 'achievement_id',
                          'code', f.payload ->> 'code', 'name', f.achievement_name,
                          'points', f.payload -> 'points')
                      ELSE '{}'::jsonb END)) AS body
    FROM facts f
    WHERE f.community_id IS NOT NULL
)
INSERT INTO public.webhook_deliveries
    (id, endpoint_id, community_id, outbox_id, event_type, body)
SELECT 'msg_' || replace(CAST(gen_random_uuid() AS text), '-', ''), ep.id, b.community_id,
       b.id, b.type, CAST(b.body AS text)
FROM bodies b
JOIN public.webhook_endpoints ep
    ON ep.community_id = b.community_id AND ep.enabled AND b.type = ANY(ep.event_types)
       AND ep.created_at <= b.created_at
ORDER BY b.id, ep.id
ON CONFLICT DO NOTHING
RETURNING id, endpoint_id;

-- name: webhook_unfanned_events
-- Events sent between :window and :older_than seconds ago of a kind that feeds
-- webhooks, with an endpoint of the event's community subscribed to its type
-- (and there when it happened) but no delivery for it: the fan-out message was
-- lost. The reconciler fans these out again (webhook_fan_out creates only the missing).
SELECT DISTINCT o.id
FROM public.event_outbox o
LEFT JOIN public.bootcamp_enrollments e ON e.id = CAST(o.payload ->> 'enrollment_id' AS uuid)
LEFT JOIN public.cohorts c ON c.id = e.cohort_id
LEFT JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
LEFT JOIN public.user_profiles u
    ON u.id = coalesce(CAST(o.payload ->> 'user_profile_id' AS uuid), e.user_profile_id)
JOIN public.webhook_endpoints ep
    ON ep.community_id = coalesce(b.community_id, u.community_id) AND ep.enabled
       AND ep.created_at <= o.created_at
       AND (CASE o.kind WHEN 'certificate.attestation_failed' THEN 'certificate.failed'
            ELSE o.kind END) = ANY(ep.event_types)
WHERE o.kind = ANY(CAST(:kinds AS text[]))
  AND o.dispatched_at < now() - make_interval(secs => :older_than)
  AND o.dispatched_at > now() - make_interval(secs => :window)
  AND NOT (o.kind = 'certificate.attestation_failed' AND o.payload ->> 'reason' = 'reconciled')
  AND NOT EXISTS (SELECT 1 FROM public.webhook_deliveries d
                  WHERE d.endpoint_id = ep.id AND d.outbox_id = o.id)
ORDER BY o.id
LIMIT :limit;

-- name: webhook_lost_deliveries
-- Pending, due for :older_than seconds and not being attempted: its message
-- was lost (Redis flushed, a worker gone before it re-queued). Marked due now,
-- so the next pass waits :older_than again before sending it once more.
WITH lost AS (
    SELECT id FROM public.webhook_deliveries
    WHERE status = 'pending'
      -- At least a second: what the fan-out step of this same pass just queued is not lost.
      AND next_attempt_at < now() - make_interval(secs => GREATEST(:older_than, 1))
      AND (locked_until IS NULL OR locked_until < now())
    ORDER BY next_attempt_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE public.webhook_deliveries d SET next_attempt_at = now()
FROM lost WHERE d.id = lost.id
RETURNING d.id, d.endpoint_id;

-- name: webhook_try_take
-- An attempt takes the delivery (attempt number, lease) when it is pending,
-- due, not held by another attempt, its endpoint enabled and not backing off;
-- with what the attempt needs (body, URL, live secrets). No row: see
-- webhook_attempt_state for why.
UPDATE public.webhook_deliveries d
SET locked_until = now() + make_interval(secs => :lease), attempts = d.attempts + 1,
    last_attempt_at = now()
FROM public.webhook_endpoints e
WHERE d.id = :id AND e.id = d.endpoint_id AND d.status = 'pending' AND e.enabled
  AND (d.locked_until IS NULL OR d.locked_until < now())
  AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now() + interval '1 second')
  AND (e.backoff_until IS NULL OR e.backoff_until <= now())
RETURNING d.attempts, d.body, d.created_at, d.endpoint_id, e.url, e.failing_since, now() AS now,
    ARRAY(SELECT s.secret FROM public.webhook_secrets s
          WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > now())
          ORDER BY s.id DESC) AS secrets;

-- name: webhook_attempt_state
-- Why a delivery could not be taken, the delivery row locked.
SELECT d.status, d.next_attempt_at, d.locked_until, e.enabled, e.disabled_reason,
       e.backoff_until, now() AS now
FROM public.webhook_deliveries d
JOIN public.webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.id = :id
FOR UPDATE OF d;

-- name: webhook_defer
-- Not attempted now (the endpoint is busy or backing off): due at :at instead.
UPDATE public.webhook_deliveries
SET next_attempt_at = to_timestamp(CAST(:at AS double precision))
WHERE id = :id AND status = 'pending';

-- name: webhook_record_delivered
WITH done AS (
    UPDATE public.webhook_deliveries
    SET status = 'delivered', delivered_at = now(), locked_until = NULL, next_attempt_at = NULL,
        last_status_code = :status_code, last_error = NULL
    WHERE id = :id AND status = 'pending'
    RETURNING id, endpoint_id, community_id, attempts
),
healthy AS (
    UPDATE public.webhook_endpoints e
    SET failing_since = NULL, backoff_until = NULL, updated_at = now()
    FROM done WHERE e.id = done.endpoint_id
      AND (e.failing_since IS NOT NULL OR e.backoff_until IS NOT NULL)
    RETURNING 1
)
INSERT INTO public.webhook_attempts
    (delivery_id, community_id, attempt, status_code, duration_ms)
SELECT done.id, done.community_id, done.attempts, :status_code, :duration_ms FROM done
RETURNING attempt;

-- name: webhook_record_failed_attempt
-- A failed attempt: the next one due at :next_at, or (null) the delivery failed.
WITH failed AS (
    UPDATE public.webhook_deliveries
    SET status = CASE WHEN CAST(:next_at AS double precision) IS NULL THEN 'failed'
                      ELSE 'pending' END,
        failed_at = CASE WHEN CAST(:next_at AS double precision) IS NULL THEN now() END,
        next_attempt_at = to_timestamp(CAST(:next_at AS double precision)),
        locked_until = NULL, last_status_code = :status_code, last_error = left(:error, 500)
    WHERE id = :id AND status = 'pending'
    RETURNING id, community_id, attempts
)
INSERT INTO public.webhook_attempts
    (delivery_id, community_id, attempt, status_code, error, duration_ms)
SELECT failed.id, failed.community_id, failed.attempts, :status_code, left(:error, 500),
       :duration_ms
FROM failed
RETURNING attempt;

-- name: webhook_endpoint_failing
-- The endpoint's failing streak goes on (or starts), and it backs off until
-- :backoff_until when given; returns how long it has been failing.
UPDATE public.webhook_endpoints
SET failing_since = coalesce(failing_since, now()),
    backoff_until = GREATEST(backoff_until,
                             to_timestamp(CAST(:backoff_until AS double precision))),
    updated_at = now()
WHERE id = :endpoint
RETURNING extract(epoch FROM now() - failing_since) AS failing_seconds;

-- name: webhook_endpoint_auto_disable
UPDATE public.webhook_endpoints
SET enabled = false, disabled_reason = left(:reason, 500), disabled_at = now(),
    updated_at = now()
WHERE id = :endpoint AND enabled
RETURNING id;

-- name: webhook_give_up_disabled
-- An endpoint was disabled: its delivery fails (visible, replayable once enabled).
UPDATE public.webhook_deliveries
SET status = 'failed', failed_at = now(), locked_until = NULL, next_attempt_at = NULL,
    last_error = left(:error, 500)
WHERE id = :id AND status = 'pending';

-- name: webhook_counts
SELECT
    (SELECT count(*) FROM public.webhook_deliveries WHERE status = 'pending') AS pending,
    (SELECT count(*) FROM public.webhook_deliveries WHERE status = 'failed') AS failed,
    (SELECT count(*) FROM public.webhook_endpoints WHERE NOT enabled) AS disabled_endpoints;

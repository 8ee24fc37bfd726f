-- Signed webhooks (issue 20): each community's endpoints, their signing
-- secrets, and one delivery row per endpoint per event, committed before any
-- attempt. The delivery's id is the Standard Webhooks `webhook-id` header and
-- its body is frozen at creation, so every attempt (and a replay) sends the
-- same bytes under the same id and a consumer can drop duplicates.
-- depends: 0028.drop_chain_init_nonce

CREATE TABLE public.webhook_endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id text NOT NULL REFERENCES public.communities (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (pg_catalog.length(url) <= 2000 AND url ~ '^https?://'),
    -- The documented event types (README, Webhooks); webhook.test is always sent by `test`.
    event_types text[] NOT NULL CHECK (
        pg_catalog.cardinality(event_types) > 0
        AND event_types <@ ARRAY[
            'enrollment.completed', 'certificate.key_granted', 'certificate.attested',
            'certificate.issued', 'certificate.failed', 'certificate.revoked',
            'achievement.unlocked', 'webhook.test'
        ]::text[]
    ),
    description text NOT NULL DEFAULT '' CHECK (pg_catalog.length(description) <= 500),
    enabled boolean NOT NULL DEFAULT true,
    -- Why it is disabled: by an admin, "410 Gone from the endpoint", "failing for 5 days".
    disabled_reason text CHECK (pg_catalog.length(disabled_reason) <= 500),
    disabled_at timestamptz,
    -- The first failed attempt of the current streak; null after a 2xx.
    failing_since timestamptz,
    -- Deliveries to an endpoint that keeps failing wait until then rather than
    -- holding a worker thread each (isolation: a dead endpoint delays only itself).
    backoff_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhook_endpoints_community ON public.webhook_endpoints (community_id, created_at);

-- One secret is current (expires_at null); during a rotation the old one stays
-- live until its expires_at, and each delivery is signed with every live one.
CREATE TABLE public.webhook_secrets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES public.webhook_endpoints (id) ON DELETE CASCADE,
    secret text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz
);
CREATE INDEX idx_webhook_secrets_endpoint ON public.webhook_secrets (endpoint_id);

CREATE TABLE public.webhook_deliveries (
    -- The webhook-id header: 'msg_' and 26 or more characters, the same on every attempt.
    id text PRIMARY KEY CHECK (id ~ '^msg_[A-Za-z0-9]{26,60}$'),
    endpoint_id uuid NOT NULL REFERENCES public.webhook_endpoints (id) ON DELETE CASCADE,
    community_id text NOT NULL,
    -- The event (null for webhook.test).
    outbox_id bigint,
    event_type text NOT NULL,
    -- The exact JSON body {"type","timestamp","data"}, frozen at creation.
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz DEFAULT now(),
    -- An attempt in progress holds the delivery until then (a worker killed
    -- mid-attempt lets go when it passes); one attempt at a time per delivery.
    locked_until timestamptz,
    last_attempt_at timestamptz,
    last_status_code integer,
    last_error text CHECK (pg_catalog.length(last_error) <= 500),
    delivered_at timestamptz,
    failed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    replay_count integer NOT NULL DEFAULT 0,
    UNIQUE (endpoint_id, outbox_id)
);
CREATE INDEX idx_webhook_deliveries_due ON public.webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX idx_webhook_deliveries_in_flight ON public.webhook_deliveries (endpoint_id)
    WHERE locked_until IS NOT NULL;
CREATE INDEX idx_webhook_deliveries_community ON public.webhook_deliveries
    (community_id, created_at DESC);
CREATE INDEX idx_webhook_deliveries_endpoint ON public.webhook_deliveries
    (endpoint_id, created_at DESC);
CREATE INDEX idx_webhook_deliveries_outbox ON public.webhook_deliveries (outbox_id);

CREATE TABLE public.webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id text NOT NULL REFERENCES public.webhook_deliveries (id) ON DELETE CASCADE,
    community_id text NOT NULL,
    attempt integer NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    error text CHECK (pg_catalog.length(error) <= 500),
    duration_ms integer
);
CREATE INDEX idx_webhook_attempts_delivery ON public.webhook_attempts (delivery_id, attempt);

-- ============================================================ rights

REVOKE ALL ON public.webhook_endpoints, public.webhook_secrets, public.webhook_deliveries,
    public.webhook_attempts FROM PUBLIC;
-- The CLI and /admin (audited): everything.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.webhook_endpoints, public.webhook_secrets,
    public.webhook_deliveries, public.webhook_attempts TO certflow_admin;
-- The delivery engine reads endpoints and secrets, writes deliveries and
-- attempts, and an endpoint's health (failing, backoff, disabled with why).
GRANT SELECT ON public.webhook_endpoints, public.webhook_secrets TO certflow_worker;
GRANT UPDATE (enabled, disabled_reason, disabled_at, failing_since, backoff_until, updated_at)
    ON public.webhook_endpoints TO certflow_worker;
GRANT SELECT, INSERT, UPDATE ON public.webhook_deliveries TO certflow_worker;
GRANT SELECT, INSERT ON public.webhook_attempts TO certflow_worker;
-- An app (the API, with the community's key) manages its own endpoints and
-- secrets, reads its deliveries and attempts, and may queue a test event or a
-- replay of its own (a row of its own community, for one of its own endpoints).
GRANT SELECT, INSERT, UPDATE, DELETE ON public.webhook_endpoints, public.webhook_secrets
    TO certflow_app;
GRANT SELECT, INSERT, UPDATE ON public.webhook_deliveries TO certflow_app;
GRANT SELECT ON public.webhook_attempts TO certflow_app;

-- ============================================================ row-level security

ALTER TABLE public.webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.webhook_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.webhook_attempts ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_community ON public.webhook_endpoints TO certflow_app
    USING (community_id = public.current_community_id())
    WITH CHECK (community_id = public.current_community_id());
-- A secret is its endpoint's: visible (and writable) exactly when the app's
-- own policy above shows the endpoint.
CREATE POLICY tenant_endpoint ON public.webhook_secrets TO certflow_app
    USING (EXISTS (SELECT 1 FROM public.webhook_endpoints e WHERE e.id = endpoint_id))
    WITH CHECK (EXISTS (SELECT 1 FROM public.webhook_endpoints e WHERE e.id = endpoint_id));
-- The endpoint check matters on write: a foreign key ignores row-level
-- security, and a row naming another community's endpoint would be signed
-- with that endpoint's secret.
CREATE POLICY tenant_community ON public.webhook_deliveries TO certflow_app
    USING (community_id = public.current_community_id())
    WITH CHECK (
        community_id = public.current_community_id()
        AND EXISTS (SELECT 1 FROM public.webhook_endpoints e WHERE e.id = endpoint_id)
    );
CREATE POLICY tenant_community ON public.webhook_attempts FOR SELECT TO certflow_app
    USING (community_id = public.current_community_id());

CREATE POLICY pipeline_all ON public.webhook_endpoints TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.webhook_secrets TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.webhook_deliveries TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY pipeline_all ON public.webhook_attempts TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);

CREATE POLICY owner_all ON public.webhook_endpoints TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.webhook_secrets TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.webhook_deliveries TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.webhook_attempts TO certflow_owner USING (true) WITH CHECK (true);

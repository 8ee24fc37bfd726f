-- What each certificate version printed, stored when it is rendered, so the
-- verification site and `certflow verify` vouch for the printed facts (not for
-- whatever the profile says today). One row per certificate version, written
-- once by the render worker in the transaction that records the version, never
-- rewritten. Versions rendered before this migration have no row: the page says
-- their printed facts were not recorded (the name printed then is not derivable).
-- depends: 0026.credentials_tenancy

CREATE TABLE public.certificate_printed_fields (
    certificate_id uuid PRIMARY KEY REFERENCES public.certificates (id) ON DELETE CASCADE,
    enrollment_id uuid NOT NULL REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    learner_name text NOT NULL CHECK (char_length(learner_name) BETWEEN 1 AND 400),
    bootcamp_title text NOT NULL CHECK (char_length(bootcamp_title) <= 400),
    cohort_name text NOT NULL CHECK (char_length(cohort_name) <= 400),
    completion_date date NOT NULL,
    total_xp bigint NOT NULL CHECK (total_xp >= 0),
    -- Not printed, but attested: the address the key and the attestation name.
    wallet_address text,
    lock_address text NOT NULL,
    key_tx_hash text NOT NULL,
    attestation_uid text,
    anchor_tx_hash text,
    chain_id bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON public.certificate_printed_fields FROM PUBLIC;
GRANT SELECT, INSERT ON public.certificate_printed_fields TO certflow_worker, certflow_admin;
GRANT SELECT ON public.certificate_printed_fields TO certflow_web, certflow_app, certflow_learner;

-- Row-level security as 0022 gave certificates: a tenant sees its enrollments'
-- rows; the pipeline and the owner every row; the site any certificate by id.
ALTER TABLE public.certificate_printed_fields ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_enrollment ON public.certificate_printed_fields FOR SELECT
    TO certflow_app, certflow_learner
    USING (EXISTS (SELECT 1 FROM public.bootcamp_enrollments e WHERE e.id = enrollment_id));
CREATE POLICY pipeline_all ON public.certificate_printed_fields TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.certificate_printed_fields TO certflow_owner
    USING (true) WITH CHECK (true);
CREATE POLICY web_reads ON public.certificate_printed_fields FOR SELECT TO certflow_web
    USING (true);

-- The public verification site: certificate revocations, the sha256 lookup of
-- uploaded files, and certflow_web, the read-only role of the web process.
-- Revoking expires the learner's key on the lock (the V2 schema's attestations
-- are not revocable); the row records why and when, for the verify page.
-- depends: 0010.certificates

CREATE TABLE public.certificate_revocations (
    -- One revocation per enrollment: it covers every version of its certificate.
    enrollment_id uuid PRIMARY KEY
        REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    reason text NOT NULL CHECK (length(btrim(reason)) > 0),
    -- The expireAndRefundFor transaction; NULL when the key was already invalid.
    tx_hash text,
    revoked_at timestamptz NOT NULL DEFAULT now()
);

-- "Check a file": an uploaded PDF is found by its digest.
CREATE INDEX idx_certificates_sha256 ON public.certificates (sha256);

REVOKE ALL ON public.certificate_revocations FROM PUBLIC;
GRANT SELECT ON public.certificate_revocations TO certflow_worker;
GRANT INSERT ON public.certificate_revocations TO certflow_admin;
GRANT SELECT ON public.certificate_revocations TO certflow_app;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certflow_web') THEN
        CREATE ROLE certflow_web NOLOGIN;
    END IF;
END
$$;

-- The web process reads what a certificate says and nothing else: no outbox,
-- no chain transactions, and of a learner only the name and wallet printed on
-- the certificate (not the email or the login id).
GRANT USAGE ON SCHEMA public TO certflow_web;
GRANT SELECT ON public.certificates, public.certificate_revocations, public.bootcamp_programs,
    public.cohorts, public.cohort_milestones TO certflow_web;
GRANT SELECT (id, user_profile_id, cohort_id, enrollment_status, completion_date,
    certificate_issued, certificate_issued_at, certificate_tx_hash, certificate_attestation_uid,
    certificate_claim_in_progress, certificate_last_error)
    ON public.bootcamp_enrollments TO certflow_web;
GRANT SELECT (id, display_name, wallet_address) ON public.user_profiles TO certflow_web;

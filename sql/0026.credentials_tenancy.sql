-- Row-level security on credentials (0025), as 0022 gave certificates: an app
-- reads the credentials of its community's enrollments only (it read every
-- community's by a scan: a credential names its learner). The site still serves
-- any credential by id (web_reads); the pipeline and the owner see every row.
-- The issuer's public keys and the status lists hold no tenant's data and stay
-- readable by all who were granted them.
-- depends: 0025.credentials

ALTER TABLE public.credentials ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_enrollment ON public.credentials FOR SELECT
    TO certflow_app, certflow_learner
    USING (EXISTS (SELECT 1 FROM public.bootcamp_enrollments e WHERE e.id = enrollment_id));
CREATE POLICY pipeline_all ON public.credentials TO certflow_worker, certflow_admin
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON public.credentials TO certflow_owner USING (true) WITH CHECK (true);
CREATE POLICY web_reads ON public.credentials FOR SELECT TO certflow_web USING (true);

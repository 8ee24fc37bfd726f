-- Named queries: admin repairs that are not SQL functions (grant-key, remark). Each section is one statement.

-- name: grant_key_target
-- The source's "Grant Key Directly" checks, on a row held until the claim is written.
SELECT e.enrollment_status, e.certificate_issued
FROM public.bootcamp_enrollments e
WHERE e.id = :enrollment_id
FOR UPDATE;

-- name: remark_insert
INSERT INTO public.bootcamp_completion_remarks (enrollment_id, remark_type, content)
SELECT e.id, :remark_type, :content
FROM public.bootcamp_enrollments e
WHERE e.id = :enrollment_id
RETURNING id, enrollment_id, remark_type, content, created_at;

-- name: is_admin
-- Whether this session acts as an admin (member of certflow_admin, or a superuser).
SELECT pg_catalog.pg_has_role(current_user, 'certflow_admin', 'MEMBER');

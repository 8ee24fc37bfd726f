-- Named queries: verifiable credentials, the issuer's keys and the status lists.

-- name: credential_key_record
INSERT INTO public.credential_keys (public_key_multibase) VALUES (:key)
ON CONFLICT (public_key_multibase) DO NOTHING;

-- name: credential_keys_all
-- Oldest first: the DID document lists every key that ever signed.
SELECT public_key_multibase FROM public.credential_keys
ORDER BY first_used_at, public_key_multibase;

-- name: credential_next_position
SELECT nextval('public.credential_status_positions') AS position;

-- name: credential_insert
INSERT INTO public.credentials (certificate_id, enrollment_id, document, public_key_multibase,
                                status_list, status_index)
VALUES (:certificate_id, :enrollment_id, :document, :key, :status_list, :status_index)
ON CONFLICT (certificate_id) DO NOTHING;

-- name: credential_by_certificate
SELECT certificate_id, enrollment_id, document, public_key_multibase, status_list, status_index,
       signed_at
FROM public.credentials
WHERE certificate_id = :certificate_id;

-- name: credential_lists_of_enrollment
SELECT DISTINCT status_list FROM public.credentials WHERE enrollment_id = :enrollment_id
ORDER BY status_list;

-- name: credential_all_lists
SELECT DISTINCT status_list FROM public.credentials ORDER BY status_list;

-- name: credential_revoked_indexes
-- A revocation covers every version of the enrollment's certificate.
SELECT c.status_index
FROM public.credentials c
JOIN public.certificate_revocations r ON r.enrollment_id = c.enrollment_id
WHERE c.status_list = :list_id
ORDER BY c.status_index;

-- name: status_list_lock
-- Held until commit: two revocations re-signing one list never lose each other's bit.
SELECT pg_advisory_xact_lock(hashtext('certflow.credential_status_list'), :list_id);

-- name: status_list_by_id
SELECT list_id, document, signed_at FROM public.credential_status_lists WHERE list_id = :list_id;

-- name: status_list_save
INSERT INTO public.credential_status_lists (list_id, document) VALUES (:list_id, :document)
ON CONFLICT (list_id) DO UPDATE SET document = EXCLUDED.document, signed_at = now();

-- name: credential_missing
-- Current certificate versions without a credential (rendered while no key was configured).
SELECT c.id
FROM public.certificates c
LEFT JOIN public.credentials cr ON cr.certificate_id = c.id
WHERE c.superseded_at IS NULL AND cr.certificate_id IS NULL
ORDER BY c.rendered_at, c.id
LIMIT :limit;

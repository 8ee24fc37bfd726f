-- Rules of certificate claims. (This file holds the functions the HTTP API added;
-- the claim functions of 0006 join it when the sql/rules mechanism lands.)

-- A learner's "Retry Attestation" (source 4.2), asked of the chain workers: the
-- web process never signs. The source's rules in its order: the feature flag,
-- the enrollment (of the caller's community, and the caller's own when a learner
-- asks), a key must exist, an attestation already recorded is returned as
-- found, one still being made is not retried; otherwise the retry is requested
-- once per attempt (the key names certificate_retry_count, so clicking twice
-- asks once). SECURITY DEFINER: a learner may ask, not write enrollments or the outbox.
CREATE OR REPLACE FUNCTION public.request_attestation_retry(p_enrollment_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_issued boolean;
    v_tx text;
    v_uid text;
    v_failed_at timestamptz;
    v_retries integer;
BEGIN
    IF NOT COALESCE((SELECT f.certificates_enabled FROM public.certificate_flags f), false) THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'disabled',
            'error', 'Certificate feature not enabled.');
    END IF;
    SELECT e.certificate_issued, e.certificate_tx_hash, e.certificate_attestation_uid,
           e.certificate_attestation_failed_at, COALESCE(e.certificate_retry_count, 0)
    INTO v_issued, v_tx, v_uid, v_failed_at, v_retries
    FROM public.bootcamp_enrollments e
    WHERE e.id = p_enrollment_id
      AND public.community_of_cohort(e.cohort_id) = public.current_community_id()
      AND (public.current_user_profile_id() IS NULL
           OR e.user_profile_id = public.current_user_profile_id());
    IF NOT FOUND THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'not_found',
            'error', 'Enrollment not found');
    END IF;
    IF NOT v_issued OR v_tx IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'no_key',
            'error', 'No certificate key found');
    END IF;
    IF v_uid IS NOT NULL THEN
        RETURN pg_catalog.jsonb_build_object('success', true, 'found', true,
            'attestationUid', v_uid);
    END IF;
    IF v_failed_at IS NULL THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'attestation_pending',
            'error', 'Attestation in progress - check back in a minute.');
    END IF;
    PERFORM public.emit_event(
        'certificate.attestation_retry_requested',
        pg_catalog.jsonb_build_object('enrollment_id', p_enrollment_id),
        'certificate.attestation_retry_requested:' || p_enrollment_id::text || ':'
            || v_retries::text);
    RETURN pg_catalog.jsonb_build_object('success', true, 'found', false,
        'retryRequested', true);
END;
$$;

REVOKE ALL ON FUNCTION public.request_attestation_retry(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_attestation_retry(uuid)
    TO certflow_app, certflow_learner, certflow_worker;

-- Certificate claims: the claim with the source's checks, its messages and an
-- atomic claim lock; the app's "Claim Certificate" entry point; and the 4.3
-- completion-status JSON. The flags and claim columns are in 0006.

-- The claim, with the checks in the source's order and its messages. The
-- claim lock is taken in ONE UPDATE with the 5-minute TTL inside the WHERE, so
-- two concurrent claims cannot both pass. p_enabled is the feature flag: the
-- app's entry point (request_certificate_claim) reads it from certificate_flags, Python passes its
-- settings.
CREATE OR REPLACE FUNCTION public.claim_certificate(p_enrollment_id uuid, p_enabled boolean)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    v_status text;
    v_issued boolean;
    v_lock text;
    v_tx text;
    v_uid text;
    v_claim uuid;
BEGIN
    IF NOT coalesce(p_enabled, false) THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'disabled',
            'error', 'Certificate feature not enabled.');
    END IF;

    SELECT e.enrollment_status, e.certificate_issued, b.lock_address,
           e.certificate_tx_hash, e.certificate_attestation_uid
    INTO v_status, v_issued, v_lock, v_tx, v_uid
    FROM public.bootcamp_enrollments e
    JOIN public.cohorts c ON c.id = e.cohort_id
    JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
    WHERE e.id = p_enrollment_id;

    IF NOT FOUND THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'not_found',
            'error', 'Enrollment not found');
    END IF;
    IF v_status <> 'completed' THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'not_completed',
            'error', 'Complete all milestones to claim certificate.');
    END IF;
    IF v_lock IS NULL OR pg_catalog.btrim(v_lock) = '' THEN
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'not_configured',
            'error', 'Certificate not configured yet - please try again later or contact support.');
    END IF;
    IF v_issued THEN
        RETURN pg_catalog.jsonb_build_object('success', true, 'alreadyIssued', true,
            'txHash', v_tx, 'attestationUid', v_uid);
    END IF;

    UPDATE public.bootcamp_enrollments e
    SET certificate_claim_in_progress = true,
        certificate_claim_started_at = pg_catalog.now(),
        certificate_claim_id = pg_catalog.gen_random_uuid()
    WHERE e.id = p_enrollment_id
      AND NOT e.certificate_issued
      AND (NOT coalesce(e.certificate_claim_in_progress, false)
           OR e.certificate_claim_started_at IS NULL
           OR e.certificate_claim_started_at < pg_catalog.now() - interval '5 minutes')
    RETURNING e.certificate_claim_id INTO v_claim;

    IF NOT FOUND THEN
        -- Lost to a live claim, or issued by it in the meantime.
        IF (SELECT e.certificate_issued FROM public.bootcamp_enrollments e
            WHERE e.id = p_enrollment_id) THEN
            RETURN pg_catalog.jsonb_build_object('success', true, 'alreadyIssued', true);
        END IF;
        RETURN pg_catalog.jsonb_build_object('success', false, 'code', 'in_progress',
            'error', 'Certificate claim already in progress. If stuck for more than 5 minutes, try again.');
    END IF;

    PERFORM public.emit_event(
        'certificate.claim_requested',
        pg_catalog.jsonb_build_object('enrollment_id', p_enrollment_id, 'claim_id', v_claim),
        'certificate.claim_requested:' || p_enrollment_id::text || ':' || v_claim::text);
    RETURN pg_catalog.jsonb_build_object('success', true, 'claimRequested', true,
        'claimId', v_claim);
END;
$$;
REVOKE ALL ON FUNCTION public.claim_certificate(uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.claim_certificate(uuid, boolean)
    TO certflow_worker, certflow_owner;

-- What the app's "Claim Certificate" button calls (and the API, for a learner's
-- own enrollment). SECURITY DEFINER: the caller may start a claim through here but
-- not write enrollments or pass its own feature flag to claim_certificate. As the
-- owner it sees every enrollment, so it asks session_may_act_for: an enrollment
-- of another community (or, for a learner, another learner's) is claimed as the
-- id NULL, which no enrollment has. The answer is then exactly an unknown id's,
-- at the same step of the source's order of checks (after the feature flag),
-- and nothing is written.
CREATE OR REPLACE FUNCTION public.request_certificate_claim(p_enrollment_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_may boolean;
BEGIN
    SELECT public.session_may_act_for(e.user_profile_id, e.cohort_id) INTO v_may
    FROM public.bootcamp_enrollments e WHERE e.id = p_enrollment_id;
    RETURN public.claim_certificate(
        CASE WHEN v_may THEN p_enrollment_id END,
        (SELECT f.certificates_enabled FROM public.certificate_flags f));
END;
$$;
ALTER FUNCTION public.request_certificate_claim(uuid) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.request_certificate_claim(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_certificate_claim(uuid)
    TO certflow_app, certflow_worker, certflow_learner;

-- Source 4.3, the completion-status JSON. SECURITY INVOKER: the caller's
-- row-level security decides which enrollments it sees (an app: its community's;
-- a learner: their own), so another community's id gives NULL, as an unknown one.
-- PL/pgSQL keeps its plan for the session (a SQL function with a pinned
-- search_path is planned at each call: 1.6 ms a call against 0.7 ms).
CREATE OR REPLACE FUNCTION public.certificate_status(p_enrollment_id uuid)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = ''
AS $$
BEGIN
    RETURN (
        SELECT pg_catalog.jsonb_build_object(
            'isCompleted', e.enrollment_status = 'completed',
            'completionDate', e.completion_date,
            'certificate', pg_catalog.jsonb_build_object(
                'issued', e.certificate_issued,
                'issuedAt', e.certificate_issued_at,
                'txHash', e.certificate_tx_hash,
                'attestationUid', e.certificate_attestation_uid,
                'lastError', e.certificate_last_error,
                'canRetryAttestation', e.certificate_issued
                    AND e.certificate_attestation_uid IS NULL
                    AND e.certificate_attestation_failed_at IS NOT NULL),
            'lockAddress', b.lock_address)
        FROM public.bootcamp_enrollments e
        JOIN public.cohorts c ON c.id = e.cohort_id
        JOIN public.bootcamp_programs b ON b.id = c.bootcamp_program_id
        WHERE e.id = p_enrollment_id);
END;
$$;
REVOKE ALL ON FUNCTION public.certificate_status(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.certificate_status(uuid)
    TO certflow_app, certflow_worker, certflow_learner;

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

ALTER FUNCTION public.request_attestation_retry(uuid) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.request_attestation_retry(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_attestation_retry(uuid)
    TO certflow_app, certflow_learner, certflow_worker;

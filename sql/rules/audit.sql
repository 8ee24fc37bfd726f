-- The admin audit trail's writers. Admins may not INSERT into admin_audit
-- (sql/0024): these SECURITY DEFINER functions are the only way in, and they set
-- the time and the database login (session_user: the login, whatever role it
-- has become) themselves, so a row cannot claim another database user or time.

CREATE OR REPLACE FUNCTION public.admin_audit_write(
    p_actor text, p_via text, p_command text, p_arguments jsonb, p_outcome text, p_result jsonb
) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    written bigint;
BEGIN
    -- A dry run is a selection a replay may take: only admin_dead_letter_dry_run writes one.
    IF p_outcome = 'dry_run' THEN
        RAISE EXCEPTION 'a dry run is recorded by admin_dead_letter_dry_run only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO public.admin_audit (actor, via, command, arguments, outcome, result, at, db_user)
    VALUES (p_actor, p_via, p_command, coalesce(p_arguments, '{}'::jsonb), p_outcome, p_result,
            now(), session_user)
    RETURNING id INTO written;
    RETURN written;
END;
$$;

-- A dry run of a dead-letter replay or purge: keeps the open letters among p_ids,
-- stores them as ranges of ids (10,000 consecutive letters are one range), and
-- writes the audit row whose id is the selection.
CREATE OR REPLACE FUNCTION public.admin_dead_letter_dry_run(
    p_actor text, p_via text, p_command text, p_arguments jsonb, p_ids bigint[]
) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    written bigint;
    chosen int8multirange;
    counted integer;
BEGIN
    IF p_command NOT IN ('dead-letters replay', 'dead-letters purge') THEN
        RAISE EXCEPTION 'no dry run of %', p_command USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(range_agg(int8range(d.id, d.id, '[]')), '{}'::int8multirange), count(*)
    INTO chosen, counted
    FROM public.dead_letters d
    WHERE d.id = ANY(p_ids) AND d.replayed_at IS NULL AND d.purged_at IS NULL;
    INSERT INTO public.admin_audit (actor, via, command, arguments, outcome, result, at, db_user)
    VALUES (p_actor, p_via, p_command, coalesce(p_arguments, '{}'::jsonb), 'dry_run',
            jsonb_build_object('letters', counted), now(), session_user)
    RETURNING id INTO written;
    INSERT INTO public.dead_letter_selections (audit_id, command, ids, letters)
    VALUES (written, p_command, chosen, counted);
    RETURN written;
END;
$$;

ALTER FUNCTION public.admin_audit_write(text, text, text, jsonb, text, jsonb) OWNER TO certflow_owner;
ALTER FUNCTION public.admin_dead_letter_dry_run(text, text, text, jsonb, bigint[]) OWNER TO certflow_owner;
REVOKE ALL ON FUNCTION public.admin_audit_write(text, text, text, jsonb, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.admin_dead_letter_dry_run(text, text, text, jsonb, bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.admin_audit_write(text, text, text, jsonb, text, jsonb)
    TO certflow_admin;
GRANT EXECUTE ON FUNCTION public.admin_dead_letter_dry_run(text, text, text, jsonb, bigint[])
    TO certflow_admin;

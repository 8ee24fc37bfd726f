-- Names are stored without bidi controls (U+202A-U+202E, U+2066-U+2069, and the marks
-- U+200E, U+200F, U+061C) or control characters (each becomes a space; spaces are then
-- collapsed), whoever writes them: certflow/names.py applies the same rule when a name
-- is printed, for rows stored before this one.

CREATE OR REPLACE FUNCTION public.clean_profile_name(p_name text) RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT CASE WHEN p_name IS NULL THEN NULL ELSE
        btrim(regexp_replace(
            regexp_replace(
                regexp_replace(p_name, '[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]', '', 'g'),
                '[\u0001-\u001f\u007f-\u009f]', ' ', 'g'),
            '\s+', ' ', 'g'))
    END
$$;
-- Who writes profiles runs it through the trigger below (SECURITY INVOKER). New
-- functions are not PUBLIC's (0022), so the writers are named.
REVOKE ALL ON FUNCTION public.clean_profile_name(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.clean_profile_name(text)
    TO certflow_app, certflow_worker, certflow_admin;

CREATE OR REPLACE FUNCTION public.clean_profile_names() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    NEW.display_name := public.clean_profile_name(NEW.display_name);
    NEW.username := public.clean_profile_name(NEW.username);
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION public.clean_profile_names() FROM PUBLIC;

CREATE OR REPLACE TRIGGER trg_clean_profile_names
    BEFORE INSERT OR UPDATE OF display_name, username ON public.user_profiles
    FOR EACH ROW EXECUTE FUNCTION public.clean_profile_names();

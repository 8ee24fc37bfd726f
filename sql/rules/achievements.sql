-- Rules of achievements. (This file holds the functions the HTTP API added; the
-- functions of 0014 join it when the sql/rules mechanism lands.)

-- A community's own achievement, created (p_id NULL) or changed, for its app.
-- The community is the caller's (current_community_id()), never a parameter: a
-- global achievement or another community's answers NULL, exactly as an id that
-- does not exist. Criteria are checked by 0014's trigger, with its messages.
-- SECURITY DEFINER: apps get no write right on the catalog table itself.
CREATE OR REPLACE FUNCTION public.save_community_achievement(p_id uuid, p_fields jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    v_community text := public.current_community_id();
    v_row public.achievements%ROWTYPE;
BEGIN
    IF v_community IS NULL THEN
        RAISE EXCEPTION 'Changing the achievement catalog needs the caller''s community'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_id IS NULL THEN
        INSERT INTO public.achievements (code, name, description, achievement_type, category,
            tier, points, icon, color, is_public, is_active, criteria, community_id)
        VALUES (p_fields ->> 'code', p_fields ->> 'name', p_fields ->> 'description',
            p_fields ->> 'achievement_type', p_fields ->> 'category', p_fields ->> 'tier',
            COALESCE((p_fields ->> 'points')::integer, 0), p_fields ->> 'icon',
            p_fields ->> 'color', COALESCE((p_fields ->> 'is_public')::boolean, true),
            COALESCE((p_fields ->> 'is_active')::boolean, true), p_fields -> 'criteria',
            v_community)
        RETURNING * INTO v_row;
    ELSE
        UPDATE public.achievements a
        SET name = COALESCE(p_fields ->> 'name', a.name),
            description = COALESCE(p_fields ->> 'description', a.description),
            achievement_type = COALESCE(p_fields ->> 'achievement_type', a.achievement_type),
            category = COALESCE(p_fields ->> 'category', a.category),
            tier = COALESCE(p_fields ->> 'tier', a.tier),
            points = COALESCE((p_fields ->> 'points')::integer, a.points),
            icon = CASE WHEN p_fields ? 'icon' THEN p_fields ->> 'icon' ELSE a.icon END,
            color = CASE WHEN p_fields ? 'color' THEN p_fields ->> 'color' ELSE a.color END,
            is_public = COALESCE((p_fields ->> 'is_public')::boolean, a.is_public),
            is_active = COALESCE((p_fields ->> 'is_active')::boolean, a.is_active),
            criteria = COALESCE(p_fields -> 'criteria', a.criteria)
        WHERE a.id = p_id AND a.community_id = v_community
        RETURNING * INTO v_row;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN pg_catalog.to_jsonb(v_row) - 'criteria_type';
END;
$$;

REVOKE ALL ON FUNCTION public.save_community_achievement(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.save_community_achievement(uuid, jsonb) TO certflow_app;

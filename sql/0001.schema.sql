-- The source design's tables, names kept (migrations 003/004/055/056/079 of the app).
-- Ids of programs, cohorts and milestones are text as in the source; people and
-- enrollments get UUIDs.

CREATE TABLE public.bootcamp_programs (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text,
    duration_weeks integer,
    max_reward_dgt integer NOT NULL DEFAULT 0,
    lock_address text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.cohorts (
    id text PRIMARY KEY,
    bootcamp_program_id text NOT NULL REFERENCES public.bootcamp_programs (id),
    name text NOT NULL,
    start_date date,
    end_date date,
    max_participants integer,
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'closed', 'upcoming')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.cohort_milestones (
    id text PRIMARY KEY,
    cohort_id text NOT NULL REFERENCES public.cohorts (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text,
    order_index integer NOT NULL DEFAULT 0,
    -- XP granted for the milestone; summed into the attestation's totalXpEarned.
    total_reward integer NOT NULL DEFAULT 0 CHECK (total_reward >= 0),
    start_date date,
    end_date date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_cohort_milestones_cohort ON public.cohort_milestones (cohort_id);

CREATE TABLE public.user_profiles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    privy_user_id text UNIQUE,
    username text,
    display_name text,
    email text,
    wallet_address text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.bootcamp_enrollments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    cohort_id text NOT NULL REFERENCES public.cohorts (id) ON DELETE CASCADE,
    enrollment_status text NOT NULL DEFAULT 'active'
        CHECK (enrollment_status IN ('enrolled', 'active', 'completed', 'dropped', 'suspended')),
    progress jsonb NOT NULL DEFAULT '{}'::jsonb,
    certificate_issued boolean NOT NULL DEFAULT false,
    -- migration 079
    milestones_completed_at timestamptz,
    completion_date timestamptz,
    certificate_issued_at timestamptz,
    certificate_tx_hash text,
    certificate_attestation_uid text,
    certificate_last_error text,
    certificate_last_error_at timestamptz,
    certificate_retry_count integer DEFAULT 0,
    certificate_claim_in_progress boolean DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_profile_id, cohort_id)
);

-- The three partial indexes of migration 079, for the operational queries.
CREATE INDEX idx_be_cert_failed
    ON public.bootcamp_enrollments (cohort_id)
    WHERE certificate_issued = false AND certificate_last_error IS NOT NULL;
CREATE INDEX idx_be_completed_unclaimed
    ON public.bootcamp_enrollments (cohort_id, enrollment_status)
    WHERE enrollment_status = 'completed' AND certificate_issued = false;
CREATE INDEX idx_be_claim_in_progress
    ON public.bootcamp_enrollments (id, updated_at)
    WHERE certificate_claim_in_progress = true;

CREATE TABLE public.user_milestone_progress (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    -- No foreign key: apps write progress for milestones certflow may not know;
    -- an unknown milestone is reported by check_completion, not refused here.
    milestone_id text NOT NULL,
    status text NOT NULL DEFAULT 'not_started'
        CHECK (status IN ('not_started', 'in_progress', 'completed', 'expired')),
    progress_percentage integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_profile_id, milestone_id)
);
CREATE INDEX idx_ump_milestone ON public.user_milestone_progress (milestone_id);

CREATE TABLE public.user_activities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_profile_id uuid NOT NULL REFERENCES public.user_profiles (id) ON DELETE CASCADE,
    activity_type text NOT NULL,
    activity_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    points_earned integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_user_activities_user ON public.user_activities (user_profile_id, created_at);
-- One completion activity per enrollment, whatever path completes it.
CREATE UNIQUE INDEX uq_user_activities_bootcamp_completed
    ON public.user_activities ((activity_data ->> 'enrollment_id'))
    WHERE activity_type = 'bootcamp_completed';

CREATE TABLE public.bootcamp_completion_remarks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrollment_id uuid REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    remark_type text CHECK (remark_type IN ('feedback', 'misconduct', 'context', 'other')),
    content text NOT NULL,
    created_by uuid REFERENCES public.user_profiles (id),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);
CREATE INDEX idx_remarks_enrollment ON public.bootcamp_completion_remarks (enrollment_id);
ALTER TABLE public.bootcamp_completion_remarks ENABLE ROW LEVEL SECURITY;

-- updated_at follows every change (the source's claim-lock TTL reads it, and
-- nothing in the source kept it current).
CREATE FUNCTION public.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_touch_bootcamp_enrollments BEFORE UPDATE ON public.bootcamp_enrollments
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
CREATE TRIGGER trg_touch_user_milestone_progress BEFORE UPDATE ON public.user_milestone_progress
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
CREATE TRIGGER trg_touch_bootcamp_programs BEFORE UPDATE ON public.bootcamp_programs
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
CREATE TRIGGER trg_touch_cohorts BEFORE UPDATE ON public.cohorts
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

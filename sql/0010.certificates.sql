-- Certificate PDFs in object storage: one row per rendered version.
-- A certificate is rendered once its chain steps are settled; when a pending
-- attestation later succeeds it is rendered again as a new version, and the
-- older row is marked superseded (its object stays, so a PDF already handed
-- out can still be verified). The certificate id is uuid5(enrollment, version),
-- so a re-render after a crash writes the same bytes to the same key.
-- depends: 0005.chain

CREATE TABLE public.certificates (
    -- uuid5 of the enrollment id and the version: printed on the page and in the verify URL.
    id uuid PRIMARY KEY,
    enrollment_id uuid NOT NULL REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    version integer NOT NULL CHECK (version >= 1),
    object_key text NOT NULL UNIQUE,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    -- The attestation UID printed on this version; NULL when it says "Attestation pending".
    attestation_uid text,
    rendered_at timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer version replaces this one; NULL marks the current version.
    superseded_at timestamptz,
    UNIQUE (enrollment_id, version)
);

-- At most one current certificate per enrollment, and the lookup for "current".
CREATE UNIQUE INDEX idx_certificates_current ON public.certificates (enrollment_id)
    WHERE superseded_at IS NULL;

REVOKE ALL ON public.certificates FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON public.certificates TO certflow_worker;
-- The app shows learners their download link and the verify page.
GRANT SELECT ON public.certificates TO certflow_app;

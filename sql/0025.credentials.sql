-- Portable credentials: one Open Badges 3.0 verifiable credential per
-- certificate version, signed by the issuer's did:web key and stored exactly
-- as signed; the keys that ever signed (the DID document lists them all, so
-- rotation never strands a credential); and the Bitstring Status Lists, signed
-- the same way, that say which credentials are revoked.
-- depends: 0021.applied_rules

CREATE TABLE public.credential_keys (
    -- The Ed25519 public key (Multikey publicKeyMultibase, z6Mk...): recorded by
    -- the signer the first time it signs, read by the site for /.well-known/did.json.
    public_key_multibase text PRIMARY KEY CHECK (public_key_multibase ~ '^z6Mk[1-9A-HJ-NP-Za-km-z]+$'),
    first_used_at timestamptz NOT NULL DEFAULT now()
);

-- Status positions, handed out in order: position p is index p % 131072 of list p / 131072.
CREATE SEQUENCE public.credential_status_positions AS bigint MINVALUE 0 START WITH 0;

CREATE TABLE public.credentials (
    certificate_id uuid PRIMARY KEY REFERENCES public.certificates (id) ON DELETE CASCADE,
    enrollment_id uuid NOT NULL REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    -- The JSON exactly as signed and served (text, not jsonb: the bytes a learner
    -- downloaded are the bytes the site serves later).
    document text NOT NULL CHECK (document::jsonb ? 'proof'),
    public_key_multibase text NOT NULL REFERENCES public.credential_keys,
    status_list integer NOT NULL CHECK (status_list >= 0),
    status_index integer NOT NULL CHECK (status_index BETWEEN 0 AND 131071),
    signed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (status_list, status_index)
);

CREATE INDEX idx_credentials_enrollment ON public.credentials (enrollment_id);

CREATE TABLE public.credential_status_lists (
    list_id integer PRIMARY KEY CHECK (list_id >= 0),
    -- The BitstringStatusListCredential exactly as signed and served.
    document text NOT NULL CHECK (document::jsonb ? 'proof'),
    signed_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON public.credential_keys, public.credentials, public.credential_status_lists
    FROM PUBLIC;
REVOKE ALL ON SEQUENCE public.credential_status_positions FROM PUBLIC;
-- The render worker signs and stores; a credential is never rewritten or deleted
-- (a new certificate version gets a new one). Revoking (certflow revoke, the
-- admin role, a worker member) re-signs a status list.
GRANT SELECT, INSERT ON public.credential_keys, public.credentials TO certflow_worker;
GRANT SELECT, INSERT, UPDATE ON public.credential_status_lists TO certflow_worker;
GRANT USAGE ON SEQUENCE public.credential_status_positions TO certflow_worker;
-- Credentials, keys and status lists are public by design: the site serves them
-- by id to anyone verifying, and the app links them.
GRANT SELECT ON public.credential_keys, public.credentials, public.credential_status_lists
    TO certflow_web, certflow_app;

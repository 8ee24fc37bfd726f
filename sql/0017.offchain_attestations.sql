-- Off-chain attestation mode, per bootcamp: an EAS off-chain attestation
-- (EIP-712 version 2 with salt) signed by the attester key, stored here before
-- its UID is anchored on chain with multiTimestamp (or, with ANCHOR_MERKLE, its
-- batch's Merkle root with timestamp), and revoked with revokeOffchain.
-- On-chain attestation stays the default.
-- depends: 0015.roles_that_work

ALTER TABLE public.bootcamp_programs
    ADD COLUMN attestation_mode text NOT NULL DEFAULT 'onchain'
        CHECK (attestation_mode IN ('onchain', 'offchain'));

CREATE TABLE public.offchain_attestations (
    -- One attestation per enrollment: a redelivered attest signs nothing new,
    -- so the UID the learner was given never changes.
    enrollment_id uuid PRIMARY KEY
        REFERENCES public.bootcamp_enrollments (id) ON DELETE CASCADE,
    uid text NOT NULL UNIQUE,
    attester text NOT NULL,
    -- The EAS SDK's AttestationShareablePackageObject ({sig, signer}) exactly as
    -- signed: re-serializing it from columns could change a byte of the signed data.
    package jsonb NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    -- The multiTimestamp that anchored the UID, and the block time EAS recorded.
    anchor_tx_hash text,
    anchor_block bigint,
    anchored_at timestamptz,
    -- The revokeOffchain transaction, and the block time EAS recorded.
    revoke_tx_hash text,
    revoked_at timestamptz,
    -- Anchored as one Merkle root per batch (ANCHOR_MERKLE): the root EAS
    -- timestamped and this UID's proof path to it (a JSON array of sibling
    -- hashes); NULL when the UID itself was timestamped.
    merkle_root text,
    merkle_proof jsonb,
    CHECK ((anchor_tx_hash IS NULL) = (anchored_at IS NULL)),
    CHECK ((merkle_root IS NULL) = (merkle_proof IS NULL))
);

-- The reconciler's and the anchoring pass's scan: signed, not anchored yet.
CREATE INDEX idx_offchain_attestations_unanchored
    ON public.offchain_attestations (signed_at) WHERE anchor_tx_hash IS NULL;

REVOKE ALL ON public.offchain_attestations FROM PUBLIC;
-- The attest actor signs and anchors; the admin (a worker member) revokes.
GRANT SELECT, INSERT ON public.offchain_attestations TO certflow_worker;
GRANT UPDATE (anchor_tx_hash, anchor_block, anchored_at, merkle_root, merkle_proof,
    revoke_tx_hash, revoked_at) ON public.offchain_attestations TO certflow_worker;
-- An attestation is public by design (its share link carries all of it): the
-- site serves it as JSON and checks it; the app shows it.
GRANT SELECT ON public.offchain_attestations TO certflow_web, certflow_app;

-- Named queries: off-chain attestations. Each section is one statement.

-- name: offchain_insert
-- A redelivered pass signs again but keeps the first signature (and so its UID).
INSERT INTO public.offchain_attestations (enrollment_id, uid, attester, package)
SELECT a.enrollment_id, a.uid, a.attester, a.package
FROM unnest(CAST(:ids AS uuid[]), CAST(:uids AS text[]), CAST(:attesters AS text[]),
            CAST(:packages AS jsonb[])) AS a(enrollment_id, uid, attester, package)
ON CONFLICT (enrollment_id) DO NOTHING;

-- name: offchain_by_enrollments
SELECT enrollment_id, uid, attester, package, signed_at, anchor_tx_hash, anchor_block,
       anchored_at, revoke_tx_hash, revoked_at, merkle_root, merkle_proof
FROM public.offchain_attestations
WHERE enrollment_id = ANY(:ids)
ORDER BY enrollment_id;

-- name: offchain_by_uid
SELECT enrollment_id, uid, attester, package, signed_at, anchor_tx_hash, anchor_block,
       anchored_at, revoke_tx_hash, revoked_at, merkle_root, merkle_proof
FROM public.offchain_attestations
WHERE uid = :uid;

-- name: offchain_record_anchors
UPDATE public.offchain_attestations o
SET anchor_tx_hash = a.tx_hash, anchor_block = a.block, anchored_at = to_timestamp(a.at),
    merkle_root = a.root, merkle_proof = a.proof
FROM unnest(CAST(:uids AS text[]), CAST(:tx_hashes AS text[]), CAST(:blocks AS bigint[]),
            CAST(:times AS bigint[]), CAST(:roots AS text[]), CAST(:proofs AS jsonb[]))
     AS a(uid, tx_hash, block, at, root, proof)
WHERE o.uid = a.uid AND o.anchor_tx_hash IS NULL
RETURNING o.enrollment_id, o.uid;

-- name: offchain_record_revoked
UPDATE public.offchain_attestations
SET revoke_tx_hash = :tx_hash, revoked_at = to_timestamp(:at)
WHERE enrollment_id = :enrollment_id;

-- name: offchain_record_reanchored
-- A reorg re-mined the anchoring transaction: the UIDs are the same, their block and time moved.
-- (A timestamped Merkle root stands for every UID of its batch.)
UPDATE public.offchain_attestations o
SET anchor_tx_hash = a.tx_hash, anchor_block = a.block, anchored_at = to_timestamp(a.at)
FROM unnest(CAST(:uids AS text[]), CAST(:tx_hashes AS text[]), CAST(:blocks AS bigint[]),
            CAST(:times AS bigint[]), CAST(:roots AS text[]), CAST(:proofs AS jsonb[]))
     AS a(uid, tx_hash, block, at, root, proof)
WHERE (o.uid = a.uid OR o.merkle_root = a.uid) AND o.anchor_block IS DISTINCT FROM a.block
RETURNING o.enrollment_id, o.uid;

-- Named queries: chain transactions and the per-signer nonce counter.
-- Each section is one statement.

-- name: chain_tx_find
SELECT id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,
       receipt_block, gas_used, error
FROM public.chain_transactions
WHERE intent_key = :intent_key;

-- name: chain_tx_pending
-- Signed or broadcast, not yet seen mined; lowest nonce first.
SELECT id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,
       receipt_block, gas_used, error
FROM public.chain_transactions
WHERE chain_id = :chain_id AND signer = :signer AND status IN ('signed', 'broadcast')
  AND nonce < coalesce(CAST(:below_nonce AS bigint), nonce + 1)
ORDER BY nonce;

-- name: chain_tx_allocate_nonce
-- NULL when the signer has no counter yet (then chain_tx_sync_nonce creates it).
SELECT public.chain_allocate_nonce(:chain_id, :signer) AS nonce;

-- name: chain_tx_insert_signed
-- No row when another process committed the same intent_key first.
INSERT INTO public.chain_transactions
    (intent, intent_key, signer, chain_id, nonce, to_address, raw_tx, tx_hash)
VALUES (:intent, :intent_key, :signer, :chain_id, :nonce, :to_address, :raw_tx, :tx_hash)
ON CONFLICT (intent_key) DO NOTHING
RETURNING id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,
          receipt_block, gas_used, error;

-- name: chain_tx_mark
-- Never moves a final row ('mined', 'failed', 'superseded') back. tx_hash: the
-- attempt that mined, when a replacement was sent.
UPDATE public.chain_transactions
SET status = :status,
    tx_hash = coalesce(CAST(:tx_hash AS text), tx_hash),
    receipt_block = coalesce(CAST(:receipt_block AS bigint), receipt_block),
    gas_used = coalesce(CAST(:gas_used AS bigint), gas_used),
    error = coalesce(CAST(:error AS text), error)
WHERE id = :id AND status IN ('signed', 'broadcast');

-- name: chain_tx_sync_nonce
-- The counter never falls behind the chain: raised to the node's nonce, never lowered.
INSERT INTO public.chain_nonces (chain_id, signer, next_nonce)
VALUES (:chain_id, :signer, :node_nonce)
ON CONFLICT (chain_id, signer) DO UPDATE
SET next_nonce = greatest(public.chain_nonces.next_nonce, EXCLUDED.next_nonce)
RETURNING next_nonce;

-- name: chain_tx_insert_attempt
INSERT INTO public.chain_tx_attempts
    (chain_transaction_id, tx_hash, raw_tx, max_fee_per_gas, max_priority_fee_per_gas)
VALUES (:tx_id, :tx_hash, :raw_tx, :max_fee, :max_tip)
ON CONFLICT (tx_hash) DO NOTHING;

-- name: chain_tx_attempt_hashes
-- Every signed version of the row, oldest first.
SELECT tx_hash FROM public.chain_tx_attempts
WHERE chain_transaction_id = :tx_id
ORDER BY id;

-- name: chain_tx_replace
-- A fee-bumped replacement becomes what a rebroadcast sends.
UPDATE public.chain_transactions
SET raw_tx = :raw_tx, tx_hash = :tx_hash
WHERE id = :id AND status IN ('signed', 'broadcast')
RETURNING id;

-- name: chain_tx_supersede
-- Its nonce went to a transaction we do not know: the row keeps its history
-- under a renamed key, so the intent can be signed again under its own.
UPDATE public.chain_transactions
SET status = 'superseded',
    intent_key = intent_key || '#superseded-' || id::text,
    error = :error
WHERE id = :id AND status IN ('signed', 'broadcast')
RETURNING id;

-- name: chain_tx_recent_mined
-- Mined rows in the last blocks: a reorg may have removed them.
SELECT id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,
       receipt_block, gas_used, error
FROM public.chain_transactions
WHERE chain_id = :chain_id AND signer = :signer AND status = 'mined'
  AND receipt_block >= :from_block
ORDER BY nonce;

-- name: chain_tx_reorged
-- A reorg removed the block: the row is pending again (same bytes, same nonce).
UPDATE public.chain_transactions
SET status = 'broadcast', receipt_block = NULL, gas_used = NULL
WHERE id = :id AND status = 'mined';

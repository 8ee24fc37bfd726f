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
-- NULL when the signer has no counter yet (then chain_tx_init_nonce).
SELECT public.chain_allocate_nonce(:chain_id, :signer) AS nonce;

-- name: chain_tx_init_nonce
-- A concurrent creator wins; the counter is not moved.
SELECT public.chain_init_nonce(:chain_id, :signer, :next_nonce);

-- name: chain_tx_insert_signed
-- No row when another process committed the same intent_key first.
INSERT INTO public.chain_transactions
    (intent, intent_key, signer, chain_id, nonce, to_address, raw_tx, tx_hash)
VALUES (:intent, :intent_key, :signer, :chain_id, :nonce, :to_address, :raw_tx, :tx_hash)
ON CONFLICT (intent_key) DO NOTHING
RETURNING id, intent, intent_key, nonce, to_address, raw_tx, tx_hash, status,
          receipt_block, gas_used, error;

-- name: chain_tx_mark
-- Never moves a final row ('mined', 'failed') back.
UPDATE public.chain_transactions
SET status = :status,
    receipt_block = coalesce(CAST(:receipt_block AS bigint), receipt_block),
    gas_used = coalesce(CAST(:gas_used AS bigint), gas_used),
    error = coalesce(CAST(:error AS text), error)
WHERE id = :id AND status IN ('signed', 'broadcast');

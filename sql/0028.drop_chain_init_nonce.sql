-- chain_init_nonce created a signer's nonce counter from the node's pending
-- nonce. sync_nonce (db/sql/chain_transactions.sql, chain_tx_sync_nonce) both
-- creates the counter and raises it to the node's nonce, and no code calls
-- chain_init_nonce any more: a second way to write the counter goes.
-- depends: 0027.printed_fields

DROP FUNCTION IF EXISTS public.chain_init_nonce(bigint, text, bigint);

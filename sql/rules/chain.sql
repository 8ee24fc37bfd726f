-- The signer's nonce counter: any number of worker processes send with one
-- key, each nonce handed out once. The tables are in 0005 and 0013.

-- Hands out the next nonce for a signer, or NULL when the signer has no
-- counter yet (the caller then syncs it with the node: chain_tx_sync_nonce).
-- The row lock taken by UPDATE serializes concurrent allocations until commit.
CREATE OR REPLACE FUNCTION public.chain_allocate_nonce(p_chain_id bigint, p_signer text)
RETURNS bigint
LANGUAGE sql
SET search_path = ''
AS $$
    UPDATE public.chain_nonces
    SET next_nonce = next_nonce + 1
    WHERE chain_id = p_chain_id AND signer = p_signer
    RETURNING next_nonce - 1
$$;
REVOKE ALL ON FUNCTION public.chain_allocate_nonce(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.chain_allocate_nonce(bigint, text) TO certflow_worker;

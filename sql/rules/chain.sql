-- The signer's nonce counter: any number of worker processes send with one
-- key, each nonce handed out once. The tables are in 0005 and 0013.

-- Hands out the next nonce for a signer, or NULL when the signer has no
-- counter yet (the caller then asks the node and calls chain_init_nonce).
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

-- Creates the counter from the node's pending nonce; a concurrent creator wins.
CREATE OR REPLACE FUNCTION public.chain_init_nonce(p_chain_id bigint, p_signer text,
    p_next_nonce bigint)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
    INSERT INTO public.chain_nonces (chain_id, signer, next_nonce)
    VALUES (p_chain_id, p_signer, p_next_nonce)
    ON CONFLICT (chain_id, signer) DO NOTHING
$$;
REVOKE ALL ON FUNCTION public.chain_init_nonce(bigint, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.chain_init_nonce(bigint, text, bigint) TO certflow_worker;

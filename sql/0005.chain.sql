-- Chain transactions: every transaction the signer sends, signed and committed
-- here before it is broadcast, and the per-signer nonce counter that lets any
-- number of worker processes send with one key.
-- depends: 0004.roles

CREATE TABLE public.chain_nonces (
    chain_id bigint NOT NULL,
    signer text NOT NULL,
    -- The next nonce to hand out; starts at the node's pending nonce.
    next_nonce bigint NOT NULL CHECK (next_nonce >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, signer)
);

CREATE TABLE public.chain_transactions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the transaction does ('grant_keys', 'multi_attest', ...).
    intent text NOT NULL,
    -- The caller's idempotency key: one transaction per key, ever.
    intent_key text NOT NULL UNIQUE,
    signer text NOT NULL,
    chain_id bigint NOT NULL,
    nonce bigint NOT NULL,
    to_address text NOT NULL,
    -- The signed bytes: a retry rebroadcasts exactly these.
    raw_tx bytea NOT NULL,
    tx_hash text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'signed'
        CHECK (status IN ('signed', 'broadcast', 'mined', 'failed')),
    receipt_block bigint,
    gas_used bigint,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_id, signer, nonce)
);
-- The reconciler's question: what was signed but not yet seen mined?
CREATE INDEX idx_chain_transactions_pending ON public.chain_transactions (chain_id, signer, nonce)
    WHERE status IN ('signed', 'broadcast');

CREATE TRIGGER trg_touch_chain_transactions BEFORE UPDATE ON public.chain_transactions
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();
CREATE TRIGGER trg_touch_chain_nonces BEFORE UPDATE ON public.chain_nonces
    FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

-- Hands out the next nonce for a signer, or NULL when the signer has no
-- counter yet (the caller then asks the node and calls chain_init_nonce).
-- The row lock taken by UPDATE serializes concurrent allocations until commit.
CREATE FUNCTION public.chain_allocate_nonce(p_chain_id bigint, p_signer text) RETURNS bigint
LANGUAGE sql
SET search_path = ''
AS $$
    UPDATE public.chain_nonces
    SET next_nonce = next_nonce + 1
    WHERE chain_id = p_chain_id AND signer = p_signer
    RETURNING next_nonce - 1
$$;

-- Creates the counter from the node's pending nonce; a concurrent creator wins.
CREATE FUNCTION public.chain_init_nonce(p_chain_id bigint, p_signer text, p_next_nonce bigint)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
    INSERT INTO public.chain_nonces (chain_id, signer, next_nonce)
    VALUES (p_chain_id, p_signer, p_next_nonce)
    ON CONFLICT (chain_id, signer) DO NOTHING
$$;

REVOKE ALL ON public.chain_nonces, public.chain_transactions FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION public.chain_allocate_nonce(bigint, text),
    public.chain_init_nonce(bigint, text, bigint) FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON public.chain_nonces, public.chain_transactions TO certflow_worker;
GRANT EXECUTE ON FUNCTION public.chain_allocate_nonce(bigint, text),
    public.chain_init_nonce(bigint, text, bigint) TO certflow_worker;

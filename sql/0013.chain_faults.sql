-- Issuance on a real chain: replaced transactions (fee bumps), intents re-signed
-- after a stray nonce ('superseded'), contract creations sent by the sender,
-- the wallet frozen when its key is granted, and name lengths that a
-- multiAttest can carry.
-- depends: 0012.completion_batches

-- A row whose nonce was taken by a transaction certflow does not know is
-- 'superseded': its intent is re-signed with a new nonce under the same
-- intent_key, and this row keeps its history under a renamed key.
ALTER TABLE public.chain_transactions DROP CONSTRAINT chain_transactions_status_check;
ALTER TABLE public.chain_transactions ADD CONSTRAINT chain_transactions_status_check
    CHECK (status IN ('signed', 'broadcast', 'mined', 'failed', 'superseded'));
-- Contract creations (deploy-dev) have no recipient.
ALTER TABLE public.chain_transactions ALTER COLUMN to_address DROP NOT NULL;

-- Every signed version of a transaction: the first and each fee-bumped
-- replacement at the same nonce. Whichever mines is copied to the row.
CREATE TABLE public.chain_tx_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_transaction_id bigint NOT NULL REFERENCES public.chain_transactions (id),
    tx_hash text NOT NULL UNIQUE,
    raw_tx bytea NOT NULL,
    max_fee_per_gas numeric(78, 0) NOT NULL,
    max_priority_fee_per_gas numeric(78, 0) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_chain_tx_attempts_tx ON public.chain_tx_attempts (chain_transaction_id);

-- The reorg re-check: mined rows of the last blocks.
CREATE INDEX idx_chain_transactions_mined_block ON public.chain_transactions (receipt_block)
    WHERE status = 'mined';

-- The wallet that received the key: the attestation and the PDF name it even
-- if the learner changes or clears their profile's wallet afterwards.
ALTER TABLE public.bootcamp_enrollments ADD COLUMN certificate_wallet_address text;
-- The verification site reads the certificate record, which prints this wallet.
GRANT SELECT (certificate_wallet_address) ON public.bootcamp_enrollments TO certflow_web;

-- Names travel in every attestation (EAS stores them): bounded, so that one
-- attestation always fits a block. NOT VALID: rows already there are kept.
ALTER TABLE public.cohorts ADD CONSTRAINT cohorts_name_length
    CHECK (char_length(name) <= 200) NOT VALID;
ALTER TABLE public.bootcamp_programs ADD CONSTRAINT bootcamp_programs_name_length
    CHECK (char_length(name) <= 200) NOT VALID;

REVOKE ALL ON public.chain_tx_attempts FROM PUBLIC;
GRANT SELECT, INSERT ON public.chain_tx_attempts TO certflow_worker;

"""Operations: what an operator runs or watches.

The reconciler and reorg healing, attestation retries (one or a cohort),
saving an attestation made elsewhere, the dead-letter console, the status
overview and the Prometheus collector. May import the other sub-packages;
none of them imports this one.
"""

"""Use cases: each combines the database with the chain or render adapters.

One concern per sub-package, imported top to bottom only (pyproject's
import-linter contracts check it):

- ``operations``: what an operator runs: the reconciler, retries and repairs,
  the dead-letter console, the status overview, the metrics collector;
- ``verification``: reads what was issued and checks it (the verify page,
  ``certflow verify``); it never imports the transaction engine;
- ``certificates``: claims become keys, attestations (on and off chain), the
  PDF, revocation;
- ``transactions``: the transaction engine every send goes through;
- ``credentials``: Open Badges 3.0 verifiable credentials (did:web issuer,
  eddsa-rdfc-2022 proofs, Bitstring Status Lists): signed when a certificate
  is rendered, checked by verification; it imports no other sub-package;
- ``achievements``: the achievements engine's use case, on its own.
"""

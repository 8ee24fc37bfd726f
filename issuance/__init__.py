"""Use cases: each combines the database with the chain or render adapters."""

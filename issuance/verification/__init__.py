"""Verification: reads what was issued and checks it, for the public page and ``certflow verify``.

Read only: nothing here imports the transaction engine (``issuance.transactions``).
"""

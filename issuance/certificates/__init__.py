"""Certificates: a claim's key on chain, its attestation (on or off chain), the PDF, revocation.

``issuer.Issuer`` is what every pass needs; ``records`` is the one mapping of
a certificate record to what is printed and what is attested.
"""

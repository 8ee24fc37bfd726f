"""Portable credentials: Open Badges 3.0 verifiable credentials signed by the issuer's did:web.

One OpenBadgeCredential per certificate version, with a Data Integrity proof
(``eddsa-rdfc-2022``), a Bitstring Status List entry for revocation, and
evidence naming the key transaction, the attestation and the PDF's sha256.

- ``multikey``: Ed25519 keys as Multikey multibase strings.
- ``documents``: the JSON-LD document loader (local copies only, never the network).
- ``proof``: the ``eddsa-rdfc-2022`` cryptosuite: add and verify a proof.
- ``identity``: the issuer's DID, its DID document and the signing key from settings.
- ``credential``: an OpenBadgeCredential built from a certificate.
- ``status_list``: Bitstring Status List credentials.
- ``issue``: the use case: sign and store a certificate's credential, publish lists.
- ``checks``: verify a stored credential against its certificate.
"""

"""The demo's signing keys: a credential key and a development CA for PAdES, unless set."""

from __future__ import annotations

import os
from pathlib import Path

import click

PKI_DIR = Path("var/demo/pki")


def signing_env() -> dict[str, str]:
    """CREDENTIAL_SIGNING_KEY and PDF_SIGNING_CERT_FILE / _KEY_FILE for the demo's processes,
    made here when the environment has none (a deployment brings its own)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from issuance.credentials.multikey import secret_multibase
    from render.dev_pki import create_dev_pki

    env: dict[str, str] = {}
    if not (
        os.environ.get("CREDENTIAL_SIGNING_KEY") or os.environ.get("CREDENTIAL_SIGNING_KEY_FILE")
    ):
        env["CREDENTIAL_SIGNING_KEY"] = secret_multibase(Ed25519PrivateKey.generate())
        click.echo("credentials: a new Ed25519 key for the demo (CREDENTIAL_SIGNING_KEY)")
    if not os.environ.get("PDF_SIGNING_CERT_FILE"):
        pki = create_dev_pki(PKI_DIR.resolve())
        env["PDF_SIGNING_CERT_FILE"] = str(pki.signer_cert)
        env["PDF_SIGNING_KEY_FILE"] = str(pki.signer_key)
        click.echo(
            f"PDF signatures: a development CA ({pki.ca_cert}) and a signing certificate;"
            " PDF readers will call these signatures untrusted (no reader trusts this CA):"
            " a deployment signs with a certificate from a CA they trust"
        )
    return env

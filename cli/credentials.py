"""``certflow credentials``: the issuer's credential key and its DID, and the status lists."""

from __future__ import annotations

import click

from cli import common


@click.group("credentials")
def credentials_group() -> None:
    """Open Badges 3.0 credentials: the issuer's key, DID document and status lists."""


@credentials_group.command("keygen")
def keygen() -> None:
    """Print a new Ed25519 key for CREDENTIAL_SIGNING_KEY (secretKeyMultibase) and its public
    key. Rotating: give the signer the new key; the DID document keeps listing the old one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from issuance.credentials.multikey import public_multibase, secret_multibase

    key = Ed25519PrivateKey.generate()
    click.echo(f"CREDENTIAL_SIGNING_KEY={secret_multibase(key)}")
    click.echo(f"# public key (publicKeyMultibase): {public_multibase(key.public_key())}")


@credentials_group.command("did")
@common.json_option
def did(as_json: bool) -> None:
    """The issuer's DID document as the site serves it (/.well-known/did.json)."""
    from issuance.credentials.published import issuer_document

    settings = common.settings()
    with common.engine(settings, pool_size=1) as engine:
        common.print_json(issuer_document(engine, settings))


@credentials_group.command("publish-status")
def publish_status() -> None:
    """Re-sign every status list from the revocations on record (admin; needs
    CREDENTIAL_SIGNING_KEY): after a revoke that ran without the key, or a rotation."""
    from issuance.credentials.issue import publish_all

    settings = common.settings()
    with common.engine(settings, pool_size=1) as engine:
        lists = publish_all(engine, settings)
    click.echo(f"{len(lists)} status list(s) re-signed")


@credentials_group.command("backfill")
@click.option("--limit", default=1000, show_default=True, help="Most credentials to sign.")
def backfill(limit: int) -> None:
    """Sign the credentials of current certificate versions rendered while no
    CREDENTIAL_SIGNING_KEY was configured (admin; needs the key)."""
    from issuance.credentials.issue import backfill as sign_missing

    settings = common.settings()
    with common.engine(settings, pool_size=1) as engine:
        signed = sign_missing(engine, settings, limit)
    click.echo(f"{len(signed)} credential(s) signed")


COMMANDS: list[click.Command] = [credentials_group]

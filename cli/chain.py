"""``certflow chain``: the dev chain's contracts and the completion schema."""

from __future__ import annotations

import click

from cli import common


@click.group("chain")
def chain_group() -> None:
    """Dev chain and contracts."""


@chain_group.command("deploy-dev")
def deploy_dev() -> None:
    """Deploy a grant-only PublicLock, SchemaRegistry and EAS, register the V2 schema,
    and print NAME=value lines for .env."""
    from chain.deploy import deploy_dev as deploy
    from chain.rpc import web3_from_settings
    from chain.transactions import Signer

    settings = common.settings()
    deployment = deploy(web3_from_settings(settings), Signer.from_settings(settings))
    click.echo(deployment.env_lines(), nl=False)


@chain_group.command("register-schema")
@click.option("--registry", required=True, help="SchemaRegistry address.")
def register_schema(registry: str) -> None:
    """Register the Bootcamp Completion V2 schema (no-op when already registered)."""
    from chain.deploy import register_schema as register
    from chain.rpc import web3_from_settings
    from chain.transactions import Signer

    settings = common.settings()
    result = register(web3_from_settings(settings), Signer.from_settings(settings), registry)
    click.echo(f"# {'registered' if result.created else 'already registered'}")
    click.echo(f"BOOTCAMP_COMPLETION_SCHEMA_UID={result.uid}")


COMMANDS: list[click.Command] = [chain_group]

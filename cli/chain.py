"""``certflow chain``: the dev chain's contracts and the completion schema.

Both commands send with the signer through the workers' transaction sender
(nonces from Postgres, each transaction committed before it is broadcast), so
running them beside live workers never leaves a stray nonce behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from certflow.settings import Settings
from cli import common

if TYPE_CHECKING:
    from issuance.transactions.sender import TransactionSender


@contextmanager
def sender(settings: Settings) -> Iterator[TransactionSender]:
    """The transaction sender of ``settings``, on a small engine of its own."""
    from chain.rpc import web3_from_settings
    from issuance.transactions.sender import TransactionSender

    with common.engine(settings) as engine:
        yield TransactionSender.from_settings(settings, web3_from_settings(settings), engine)


@click.group("chain")
def chain_group() -> None:
    """Dev chain and contracts."""


@chain_group.command("deploy-dev")
@common.json_option
def deploy_dev(as_json: bool) -> None:
    """Deploy a grant-only PublicLock, SchemaRegistry and EAS, register the V2 schema,
    and print NAME=value lines for .env (with --json, the same names as an object)."""
    from chain.deploy import deploy_dev as deploy

    settings = common.settings()
    with sender(settings) as send:
        deployment = deploy(send.w3, send.signer, send=send.send, run=str(uuid.uuid4()))
    if as_json:
        common.print_json(deployment.env())
    else:
        click.echo(deployment.env_lines(), nl=False)


@chain_group.command("register-schema")
@click.option("--registry", required=True, help="SchemaRegistry address.")
@common.json_option
def register_schema(registry: str, as_json: bool) -> None:
    """Register the Bootcamp Completion V2 schema (no-op when already registered)."""
    from chain.deploy import register_schema as register

    settings = common.settings()
    with sender(settings) as send:
        result = register(send.w3, send.signer, registry, send=send.send)
    if as_json:
        common.print_json({"created": result.created, "BOOTCAMP_COMPLETION_SCHEMA_UID": result.uid})
        return
    click.echo(f"# {'registered' if result.created else 'already registered'}")
    click.echo(f"BOOTCAMP_COMPLETION_SCHEMA_UID={result.uid}")


COMMANDS: list[click.Command] = [chain_group]

"""The ``certflow`` command: the click group and the command groups registered on it.

Importing this module imports only click, dotenv, the core and the command
modules, which import what they run inside their functions: ``certflow
--help`` stays fast, and ``certflow migrate`` never loads web3 or reportlab.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from dotenv import load_dotenv

from certflow.errors import CertflowError
from cli import (
    achievements,
    api_keys,
    audit,
    certificate_repairs,
    certificates,
    chain,
    communities,
    community_auth,
    credentials,
    dead_letters,
    demo,
    errors,
    outbox,
    processes,
    repairs,
    scheduler,
    templates,
    web,
    webhooks,
)


class _Group(click.Group):
    """Shows certflow errors as one line with a non-zero exit, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CertflowError as exc:
            click.echo(errors.explain(exc), err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="certflow", prog_name="certflow", message="%(prog)s %(version)s")
def main() -> None:
    """certflow: bootcamp progress in, verifiable credentials out."""
    load_dotenv(override=False)


for _module in (
    processes, repairs, dead_letters, outbox, certificates, chain, demo, web, achievements, audit,
    certificate_repairs,
    scheduler,
    communities,
    credentials,
    api_keys,
    community_auth,
    templates,
    webhooks,
):  # fmt: skip
    for _command in _module.COMMANDS:
        main.add_command(_command)

"""``certflow`` commands for the chain side of certificates: deploy, claim, status, repair."""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any
from uuid import UUID

import click

from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings
from chain.deploy import deploy_dev as deploy
from chain.deploy import register_schema as register
from chain.issuance import Issuer
from chain.issuance import retry_attestation as retry
from chain.rpc import web3_from_settings
from chain.sender import Signer
from db import claims
from db.engine import make_engine, transaction
from workers.reconcile import run


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


@click.group("chain")
def chain_group() -> None:
    """Dev chain and contracts."""


@chain_group.command("deploy-dev")
def deploy_dev() -> None:
    """Deploy a grant-only PublicLock, SchemaRegistry and EAS, register the V2 schema,
    and print NAME=value lines for .env."""
    settings = _settings()
    deployment = deploy(web3_from_settings(settings), Signer.from_settings(settings))
    click.echo(deployment.env_lines(), nl=False)


@chain_group.command("register-schema")
@click.option("--registry", required=True, help="SchemaRegistry address.")
def register_schema(registry: str) -> None:
    """Register the Bootcamp Completion V2 schema (no-op when already registered)."""
    settings = _settings()
    result = register(web3_from_settings(settings), Signer.from_settings(settings), registry)
    click.echo(f"# {'registered' if result.created else 'already registered'}")
    click.echo(f"BOOTCAMP_COMPLETION_SCHEMA_UID={result.uid}")


@click.command()
def preflight() -> None:
    """The source's pre-flight gate: exit 1 when certificates were already issued."""
    click.echo("🔍 Checking for existing certificates...")
    engine = make_engine(_settings(), pool_size=1)
    with transaction(engine) as conn:
        count = claims.issued_count(conn)
    engine.dispose()
    if count > 0:
        click.echo("\n❌ DEPLOYMENT BLOCKED", err=True)
        click.echo(f"{count} certificate(s) already issued.", err=True)
        click.echo("Migration required before deploying V2 schema.", err=True)
        click.echo("Contact engineering lead.\n", err=True)
        sys.exit(1)
    click.echo("✅ Pre-flight check passed: No certificates issued")


@click.command()
@click.argument("enrollment_id", type=click.UUID)
def claim(enrollment_id: UUID) -> None:
    """Claim an enrollment's certificate (what the app's button does). Exit 1 if refused."""
    settings = _settings()
    engine = make_engine(settings, pool_size=1)
    with transaction(engine) as conn:
        result = claims.request_claim(conn, settings, enrollment_id)
    engine.dispose()
    _print_json(result)
    if not result.get("success"):
        sys.exit(1)


@click.command()
@click.argument("enrollment_id", type=click.UUID)
def status(enrollment_id: UUID) -> None:
    """The completion status JSON (source 4.3)."""
    engine = make_engine(_settings(), pool_size=1)
    with transaction(engine) as conn:
        result = claims.status(conn, enrollment_id)
    engine.dispose()
    if result is None:
        click.echo("error: Enrollment not found", err=True)
        sys.exit(1)
    _print_json(result)


@click.command("retry-attestation")
@click.argument("enrollment_id", type=click.UUID)
def retry_attestation(enrollment_id: UUID) -> None:
    """Retry a pending attestation: find an existing one, check the key, attest."""
    settings = _settings()
    engine = make_engine(settings, pool_size=2)
    try:
        _print_json(retry(Issuer.build(settings, engine), enrollment_id))
    finally:
        engine.dispose()


@click.command()
@click.option("--every", type=float, default=None, help="Run a pass every SECONDS (default: once).")
def reconcile(every: float | None) -> None:
    """Heal certificates stuck between states (unmined transactions, claims, attestations)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _print_json(run(_settings(), every, stop))


@click.command()
def flags() -> None:
    """Write BOOTCAMP_CERTIFICATES_ENABLED and AUTO_CLAIM where the SQL claim reads them."""
    engine = make_engine(_settings(), pool_size=1)
    with transaction(engine) as conn:
        claims.sync_flags(conn, load_settings())
        _print_json(claims.read_flags(conn))
    engine.dispose()


COMMANDS = [chain_group, preflight, claim, status, retry_attestation, reconcile, flags]

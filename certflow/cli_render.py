"""``certflow certificate url`` and ``certflow verify``: certificate PDFs for admins and verifiers.

Commands import their modules when they run, as in ``certflow.cli``: every
``certflow`` invocation imports this module, and web3 and minio are slow to load.
"""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import UUID

import click

from certflow.errors import CertflowError
from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings


@click.group("certificate")
def certificate_group() -> None:
    """Certificate PDFs in object storage."""


@certificate_group.command("url")
@click.argument("enrollment_id", type=click.UUID)
def certificate_url(enrollment_id: UUID) -> None:
    """Print a download URL for the enrollment's current certificate.

    The URL is presigned and expires after CERTIFICATE_URL_TTL seconds.
    """
    from db import certificate_pdfs
    from db.engine import make_engine, transaction
    from render.service import store_for

    settings = _settings()
    engine = make_engine(settings, pool_size=1)
    try:
        with transaction(engine) as conn:
            row = certificate_pdfs.current(conn, enrollment_id)
    finally:
        engine.dispose()
    if row is None:
        raise CertflowError(f"enrollment {enrollment_id} has no certificate yet")
    click.echo(store_for(settings).presigned_url(row.object_key))


@click.command("verify")
@click.argument("target")
def verify(target: str) -> None:
    """Verify a certificate by id, or a certificate PDF file, against the database and the chain.

    Prints one line per check; exits 0 when every check passes, 1 otherwise.
    """
    from chain.rpc import web3_from_settings
    from db.engine import make_engine
    from render.service import store_for
    from render.verify import Verifier

    settings = _settings()
    engine = make_engine(settings, pool_size=1)
    try:
        verifier = Verifier(settings, engine, store_for(settings), web3_from_settings(settings))
        path = Path(target)
        if path.is_file():
            report = verifier.verify_pdf(path.read_bytes(), target)
        else:
            report = verifier.verify_id(target)
    finally:
        engine.dispose()
    click.echo(report.subject)
    for check in report.checks:
        mark = {True: "✓", False: "✗", None: "-"}[check.ok]
        click.echo(f"{mark} {check.name}: {check.detail}")
    if report.passed:
        click.echo("verified: every check passed")
        return
    click.echo(f"NOT verified: {', '.join(report.failed)} failed")
    sys.exit(1)

"""Certificate commands: the claim, its status and flags, the pre-flight gate, PDFs, verify."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from certflow.errors import CertflowError
from cli import common

if TYPE_CHECKING:
    from issuance.verification.verification import Report


@click.command()
@common.json_option
def preflight(as_json: bool) -> None:
    """The source's pre-flight gate: exit 1 when certificates were already issued."""
    from db import claims

    if not as_json:
        click.echo("🔍 Checking for existing certificates...")
    with common.transaction(common.settings()) as conn:
        count = claims.issued_count(conn)
    if as_json:
        common.print_json({"certificates_issued": count, "blocked": count > 0})
    elif count > 0:
        click.echo("\n❌ DEPLOYMENT BLOCKED", err=True)
        click.echo(f"{count} certificate(s) already issued.", err=True)
        click.echo("Migration required before deploying V2 schema.", err=True)
        click.echo("Contact engineering lead.\n", err=True)
    else:
        click.echo("✅ Pre-flight check passed: No certificates issued")
    if count > 0:
        sys.exit(1)


@click.command()
@click.argument("enrollment_id", type=click.UUID)
def claim(enrollment_id: UUID) -> None:
    """Claim an enrollment's certificate (what the app's button does). Exit 1 if refused."""
    from db import claims

    settings = common.settings()
    with common.transaction(settings) as conn:
        result = claims.request_claim(conn, settings, enrollment_id)
    common.print_json(result)
    if not result.get("success"):
        sys.exit(1)


@click.command()
@click.argument("enrollment_id", type=click.UUID, required=False)
@common.json_option
def status(enrollment_id: UUID | None, as_json: bool) -> None:
    """An enrollment's completion status JSON (source 4.3); without one, the whole system:
    queues, dead letters, outbox backlog, cohorts, stale claim locks, failures, the signer."""
    from db import claims

    if enrollment_id is None:
        from cli.overview import show_overview

        show_overview(as_json)
        return
    with common.transaction(common.settings()) as conn:
        result = claims.status(conn, enrollment_id)
    if result is None:
        click.echo("error: Enrollment not found", err=True)
        sys.exit(1)
    common.print_json(result)


@click.group(invoke_without_command=True)
@common.json_option
@click.pass_context
def flags(ctx: click.Context, as_json: bool) -> None:
    """Show the feature flags request_certificate_claim() and auto_claim read (changes
    nothing); `certflow flags set` writes them."""
    if ctx.invoked_subcommand is not None:
        return
    from db import claims

    with common.transaction(common.settings()) as conn:
        common.output(claims.read_flags(conn), as_json, _print_flags)


ON_OFF = click.Choice(["on", "off"])


@flags.command("set")
@click.option("--certificates", type=ON_OFF, help="Certificate claims (the feature flag).")
@click.option("--auto-claim", type=ON_OFF, help="Claim automatically on completion.")
@common.json_option
def set_flags(certificates: str | None, auto_claim: str | None, as_json: bool) -> None:
    """Admin: turn claims or automatic claims on or off (audited); unnamed flags stay."""
    from db import claims

    if certificates is None and auto_claim is None:
        raise click.UsageError("name a flag: --certificates on|off and/or --auto-claim on|off")
    wanted = {"certificates": certificates, "auto_claim": auto_claim}
    settings = common.settings()
    with (
        common.audited(settings, "flags set", **{k: v for k, v in wanted.items() if v}) as action,
        common.transaction(settings) as conn,
    ):
        claims.set_flags(
            conn,
            enabled=None if certificates is None else certificates == "on",
            auto_claim=None if auto_claim is None else auto_claim == "on",
        )
        action.done(claims.read_flags(conn))
    common.output(action.result, as_json, _print_flags)


def _print_flags(written: dict[str, object]) -> None:
    on = {True: "on", False: "off"}
    click.echo(
        f"certificates {on[bool(written['certificates_enabled'])]}, "
        f"automatic claims {on[bool(written['auto_claim'])]} (since {written['updated_at']})"
    )


@click.group("certificate")
def certificate_group() -> None:
    """Certificate PDFs in object storage."""


@certificate_group.command("url")
@click.argument("enrollment_id", type=click.UUID)
def certificate_url(enrollment_id: UUID) -> None:
    """Print a download URL for the enrollment's current certificate.

    The URL is presigned and expires after CERTIFICATE_URL_TTL seconds.
    """
    from db import certificates
    from render.storage import ObjectStore

    settings = common.settings()
    with common.transaction(settings) as conn:
        row = certificates.current(conn, enrollment_id)
    if row is None:
        raise CertflowError(f"enrollment {enrollment_id} has no certificate yet")
    store = ObjectStore.from_settings(settings, region=settings.s3_region)
    click.echo(store.presigned_url(row.object_key))


@certificate_group.command("rerender")
@click.argument("enrollment_id", type=click.UUID)
@common.json_option
def certificate_rerender(enrollment_id: UUID, as_json: bool) -> None:
    """Admin: render the certificate again as a new version (after a name change).

    The older version is superseded but stays in storage and verifiable.
    """
    from issuance.certificates.certificate_pdf import rerender
    from render.storage import ObjectStore

    settings = common.settings()
    with (
        common.audited(settings, "certificate rerender", enrollment_id=enrollment_id) as action,
        common.engine(settings) as engine,
    ):
        store = ObjectStore.from_settings(settings, region=settings.s3_region)
        result = rerender(engine, store, settings, enrollment_id)
        if result.certificate is None:
            raise CertflowError(f"enrollment {enrollment_id}: nothing was rendered")
        made = {"certificateId": str(result.certificate.id), "version": result.certificate.version}
        action.done(made)
    common.output(
        made, as_json, lambda r: click.echo(f"certificate {r['certificateId']} v{r['version']}")
    )


@click.command("verify")
@click.argument("target")
def verify(target: str) -> None:
    """Verify a certificate by id, or a certificate PDF file, against the database and the chain.

    Prints one line per check; exits 0 when every check passes, 1 otherwise.
    """
    from chain.rpc import web3_from_settings
    from issuance.verification.verification import Verifier
    from render.storage import ObjectStore

    settings = common.settings()
    with common.engine(settings) as engine:
        store = partial(ObjectStore.from_settings, settings, region=settings.s3_region)
        verifier = Verifier(settings, engine, store, web3_from_settings(settings))
        path = Path(target)
        if path.is_file():
            report = verifier.verify_pdf(path.read_bytes(), target)
        else:
            report = verifier.verify_id(target)
    if not _print_report(report):
        sys.exit(1)


@click.command()
@click.argument("enrollment_id", type=click.UUID)
@click.option("--reason", required=True, help="Why: shown on the certificate's page.")
@common.json_option
def revoke(enrollment_id: UUID, reason: str, as_json: bool) -> None:
    """Revoke a certificate (admin): expire the learner's key on the lock, record why, and set
    its credentials' bits in the status lists (re-signed with CREDENTIAL_SIGNING_KEY)."""
    from issuance.certificates.issuer import Issuer
    from issuance.certificates.revocation import revoke as revoke_certificate
    from issuance.credentials.issue import publish_for_enrollment

    settings = common.settings()
    arguments = {"enrollment_id": enrollment_id, "reason": reason}
    with (
        common.audited(settings, "revoke", **arguments) as action,
        common.engine(settings, pool_size=2) as engine,
    ):
        done = revoke_certificate(Issuer.build(settings, engine), enrollment_id, reason)
        revoked: dict[str, Any] = {
            "enrollment_id": str(done.enrollment_id),
            "revoked_at": done.revoked_at.isoformat(),
            "reason": done.reason,
            "tx_hash": done.tx_hash,
        }
        # After the record: a run that fails here (no credential key) is finished by the next.
        revoked["status_lists"] = publish_for_enrollment(engine, settings, enrollment_id)
        action.done(revoked)
    common.output(revoked, as_json, _print_revoked)


def _print_revoked(r: dict[str, Any]) -> None:
    click.echo(
        f"revoked {r['enrollment_id']} at {r['revoked_at']} (key expired in {r['tx_hash']}): "
        f"{r['reason']}"
    )
    if r["status_lists"]:
        lists = ", ".join(str(n) for n in r["status_lists"])
        click.echo(f"credential status list(s) {lists} re-signed with the revocation")


def _print_report(report: Report) -> bool:
    """One line per check and a verdict; whether every check passed."""
    click.echo(report.subject)
    for check in report.checks:
        mark = {True: "✓", False: "✗", None: "-"}[check.ok]
        click.echo(f"{mark} {check.name}: {check.detail}")
    if report.passed:
        click.echo("verified: every check passed")
        return True
    click.echo(f"NOT verified: {', '.join(report.failed)} failed")
    return False


COMMANDS: list[click.Command] = [
    preflight,
    claim,
    status,
    flags,
    certificate_group,
    verify,
    revoke,
]

"""``certflow web``: the public verification site (the page every certificate's QR code opens)."""

from __future__ import annotations

import click

from cli import common, lifecycle


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=None, help="Port (default: $PORT, else 8000).")
def web(host: str, port: int | None) -> None:
    """Serve /verify/<certificate id>, file checks, downloads and the JSON API."""
    from web.server import serve

    settings = common.settings()
    lifecycle.serve_operations_metrics(settings, settings.web_metrics_port, "web")
    serve(settings, host, port or settings.port)


@click.command("admin-password-hash")
@click.password_option(help="Typed at a prompt when not given.")
def admin_password_hash(password: str) -> None:
    """Print the scrypt hash of an admin password, for ADMIN_USERS (name:role:hash)."""
    from web.passwords import hash_password

    click.echo(hash_password(password))


COMMANDS: list[click.Command] = [web, admin_password_hash]

"""``certflow communities set-auth``: how a community's learners and instructors prove who
they are (the app's JWTs: JWKS URL, issuer, audience, subject claim), audited.

A command of the ``communities`` group (cli/communities.py), kept in its own module.
"""

from __future__ import annotations

import click

from cli import common
from cli.communities import communities_group


@click.command("set-auth")
@click.argument("community")
@click.option(
    "--jwks-url", required=True, help="the app's JWKS (https://.../.well-known/jwks.json)"
)
@click.option("--issuer", required=True, help="the tokens' iss")
@click.option("--audience", required=True, help="the tokens' aud")
@click.option("--subject-claim", default="sub", show_default=True,
              help="the claim matched against user_profiles.privy_user_id")  # fmt: skip
@common.json_option
def set_auth(
    community: str, jwks_url: str, issuer: str, audience: str, subject_claim: str, as_json: bool
) -> None:
    """Set COMMUNITY's token settings (taken up by the API within API_AUTH_CACHE_SECONDS)."""
    from db.community_auth import CommunityAuth, save

    wanted = CommunityAuth(community, jwks_url, issuer, audience, subject_claim)
    settings = common.settings()
    with (
        common.audited(settings, "communities set-auth", **wanted.as_json()) as action,
        common.transaction(settings) as conn,
    ):
        action.done(save(conn, wanted).as_json())
    common.output(
        action.result, as_json, lambda r: click.echo(f"token settings of {community} set")
    )


communities_group.add_command(set_auth)

#: Registered through cli/communities.py's group, which this module extends.
COMMANDS: list[click.Command] = []

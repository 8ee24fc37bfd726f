"""``certflow templates``: issuer templates (create, update, show, list, assign, preview)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from cli import common

if TYPE_CHECKING:
    from issuance.certificates.template_admin import TemplateInput


@click.group("templates")
def templates_group() -> None:
    """Certificate templates: a community's look (layout, colours, logo, signatures)."""


def _look_options(command: Any) -> Any:
    options = [
        click.option("--spec", "spec", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="JSON file: layout, font_family, colours, logo, background, "
                     "signatories, fields, custom_fields (image paths relative to the file)"),
        click.option("--layout", type=click.Choice(["classic", "modern"]), default=None),
        click.option("--font-family", type=click.Choice(["serif", "sans"]), default=None),
        click.option("--logo", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="PNG or JPEG"),
        click.option("--background", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="PNG or JPEG"),
        click.option("--signatory", "signatories", multiple=True,
                     help="NAME|TITLE[|SIGNATURE.png], once per signatory (replaces them all)"),
        click.option("--fields", default=None,
                     help="optional fields printed, comma-separated: score,email,cohort,total_xp"),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _given(name: str | None, options: dict[str, Any]) -> TemplateInput:
    """Options over the spec file: a value given on the command line wins."""
    from dataclasses import replace

    from issuance.certificates.template_admin import (
        SignatoryInput,
        TemplateInput,
        input_from_json,
        read_image,
        spec_json,
    )

    spec: Path | None = options["spec"]
    given = input_from_json(spec_json(spec), spec.parent) if spec else TemplateInput()
    cwd = Path.cwd()
    signatories = None
    if options["signatories"]:
        parts = [s.split("|") for s in options["signatories"]]
        signatories = tuple(
            SignatoryInput(
                p[0], p[1] if len(p) > 1 else "", read_image(cwd, _at(p, 2), "signature")
            )
            for p in parts
        )
    fields = options["fields"]
    return replace(
        given,
        name=name or given.name,
        layout=options["layout"] or given.layout,
        font_family=options["font_family"] or given.font_family,
        logo=read_image(cwd, _path(options["logo"]), "logo") or given.logo,
        background=read_image(cwd, _path(options["background"]), "background") or given.background,
        signatories=signatories or given.signatories,
        fields=given.fields if fields is None else tuple(f for f in fields.split(",") if f),
    )


def _at(parts: list[str], index: int) -> str | None:
    return parts[index] if len(parts) > index and parts[index] else None


def _path(value: Path | None) -> str | None:
    return None if value is None else str(value)


def _store() -> Any:
    from render.storage import ObjectStore

    settings = common.settings()
    return ObjectStore.from_settings(settings, region=settings.s3_region)


@templates_group.command("create")
@click.option("--community", required=True, help="the community's id (slug)")
@click.option("--name", required=True, help="what the template is called (shown in lists)")
@_look_options
@common.json_option
def create(community: str, name: str, as_json: bool, **options: Any) -> None:
    """A new template (version 1); images are checked, then stored by their sha256."""
    from issuance.certificates import template_admin

    settings = common.settings()
    arguments = {"community": community, "name": name, **_shown(options)}
    with (
        common.audited(settings, "templates create", **arguments) as action,
        common.transaction(settings) as conn,
    ):
        made = template_admin.create(conn, _store(), community, _given(name, options))
        action.done(made.as_json())
    common.output(action.result, as_json, _version_line)


@templates_group.command("update")
@click.argument("template_id", type=click.UUID)
@click.option("--community", default=None, help="refuse unless the template is this community's")
@_look_options
@common.json_option
def update(template_id: UUID, community: str | None, as_json: bool, **options: Any) -> None:
    """A new version: the newest with these changes. Issued PDFs never change; the next
    render (and `certflow certificate rerender`) prints the new version."""
    from issuance.certificates import template_admin

    settings = common.settings()
    arguments = {"template_id": template_id, "community": community, **_shown(options)}
    with (
        common.audited(settings, "templates update", **arguments) as action,
        common.transaction(settings) as conn,
    ):
        given = _given(None, options)
        made = template_admin.update(conn, _store(), template_id, community, given)
        action.done(made.as_json())
    common.output(action.result, as_json, _version_line)


@templates_group.command("show")
@click.argument("template_id", type=click.UUID)
@click.option("--community", default=None, help="refuse unless the template is this community's")
@common.json_option
def show(template_id: UUID, community: str | None, as_json: bool) -> None:
    """Every version of the template, newest first."""
    from issuance.certificates import template_admin

    with common.transaction(common.settings()) as conn:
        found = [v.as_json() for v in template_admin.show(conn, template_id, community)]
    common.output(found, as_json, _versions)


@templates_group.command("list")
@click.option("--community", default=None, help="one community; default every one")
@common.json_option
def list_templates(community: str | None, as_json: bool) -> None:
    """Templates, their newest version and the bootcamps that print them."""
    from db import templates

    with common.transaction(common.settings()) as conn:
        found = [t.as_json() for t in templates.listed(conn, community)]
    common.output(found, as_json, _table)


@templates_group.command("assign")
@click.argument("bootcamp_id")
@click.argument("template_id", required=False, type=click.UUID)
@click.option("--default", "use_default", is_flag=True, help="certflow's own look again")
@click.option("--locale", default=None, help="the bootcamp's certificate language (BCP 47)")
@click.option("--community", default=None, help="refuse unless the bootcamp is this community's")
@common.json_option
def assign(
    bootcamp_id: str,
    template_id: UUID | None,
    use_default: bool,
    locale: str | None,
    community: str | None,
    as_json: bool,
) -> None:
    """Print BOOTCAMP_ID's certificates with TEMPLATE_ID (its newest version), in LOCALE
    unless the learner has one. Only templates of the bootcamp's community."""
    from certflow.errors import AdminRefused
    from db import templates
    from issuance.certificates import template_admin

    settings = common.settings()
    arguments = {
        "bootcamp_id": bootcamp_id,
        "template_id": template_id,
        "locale": locale,
        "community": community,
    }
    with (
        common.audited(settings, "templates assign", **arguments) as action,
        common.transaction(settings) as conn,
    ):
        if template_id is None and not use_default:
            found = templates.bootcamp(conn, bootcamp_id, community)
            if found is None or locale is None:
                raise AdminRefused("give a TEMPLATE_ID, --default, or --locale")
            template_id = found.template_id  # only the locale changes
        made = template_admin.assign(conn, bootcamp_id, template_id, locale, community)
        action.done(
            {
                "bootcamp": made.bootcamp_id,
                "community": made.community_id,
                "template_id": str(made.template_id) if made.template_id else None,
                "locale": made.locale,
            }
        )
    common.output(
        action.result,
        as_json,
        lambda r: click.echo(f"{r['bootcamp']}: template {r['template_id']}, {r['locale']}"),
    )


@templates_group.command("preview")
@click.argument("template_id", type=click.UUID)
@click.option("--version", type=int, default=None, help="default: the newest")
@click.option("--locale", default="en", show_default=True)
@click.option("--community", default=None, help="refuse unless the template is this community's")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def preview(
    template_id: UUID, version: int | None, locale: str, community: str | None, output: Path
) -> None:
    """Write a PNG of the template with sample data."""
    from issuance.certificates import template_admin

    with common.transaction(common.settings()) as conn:
        png = template_admin.preview(conn, _store(), template_id, community, version, locale)
    output.write_bytes(png)
    click.echo(f"wrote {output} ({len(png)} bytes)")


def _shown(options: dict[str, Any]) -> dict[str, Any]:
    """The options as audited: paths, not image bytes."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in options.items() if v}


def _version_line(row: dict[str, Any]) -> None:
    click.echo(
        f"{row['id']} v{row['version']}  {row['community']:<16} {row['name']}  "
        f"{row['layout']}/{row['font_family']}  logo {'yes' if row['logo'] else 'no'}  "
        f"signatories {len(row['signatories'])}"
    )


def _versions(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        _version_line(row)


def _table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        bootcamps = ", ".join(row["bootcamps"]) or "-"
        click.echo(
            f"{row['id']}  {row['community']:<16} v{row['version']:<3} {row['name']}  "
            f"bootcamps: {bootcamps}"
        )


COMMANDS: list[click.Command] = [templates_group]

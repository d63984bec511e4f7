"""Commands for field forms: ``forms build OUT_DIR`` writes the XLSForm and XForm of every form; ``forms
import STORE EXPORT`` keeps the filled forms of an ODK Central or KoboToolbox export as submitted reports;
``forms approve STORE INSTANCE_ID`` applies one to the national record.

The forms are generated from the domain schema (``mineaction.forms``), so rebuilding after a schema change
gives forms with the new fields and a new version. Each XForm is checked by ODK Validate (Java) unless
``--no-validate`` is given.
"""

from __future__ import annotations

import socket
from typing import Any

import click

from mineaction.cli._common import echo_json
from mineaction.errors import InputError

__all__ = ["COMMANDS", "forms_group"]


@click.group("forms")
def forms_group() -> None:
    """Field forms (XLSForm / XForm) for ODK Collect, Enketo and KoboToolbox."""


@forms_group.command("build")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(file_okay=False))
@click.option("--form", "only", multiple=True, metavar="FORM_ID", help="Build only this form (repeatable).")
@click.option("--no-validate", is_flag=True, help="Skip ODK Validate (needs Java); for quick drafts only.")
@click.option("--json", "as_json", is_flag=True, help="Print the forms written as JSON on standard output.")
def forms_build(out_dir: str, only: tuple[str, ...], no_validate: bool, as_json: bool) -> None:
    """Write FORM_ID.xlsx (XLSForm) and FORM_ID.xml (XForm) for every field form into OUT_DIR."""
    from mineaction.forms import build_forms

    built = build_forms(out_dir, validate=not no_validate, only=only)
    if as_json:
        echo_json([b.to_dict() for b in built])
        return
    for form in built:
        checked = "not validated" if no_validate else "passes ODK Validate"
        click.echo(f"{form.form_id} version {form.version}: {form.xlsx.name}, {form.xml.name} ({checked})")
        for warning in form.warnings:
            click.echo(f"  warning: {warning}", err=True)


def _principal(store: Any, user: str | None) -> Any:
    """The account ``user`` of the store (its role, organisation and grants), else the local user."""
    from mineaction.access import Principal, get_user, local_principal
    from mineaction.cli.store_commands import _default_author

    if user is None:
        return local_principal(_default_author())
    account = get_user(store, user)
    if not account.active:
        raise InputError(f"user {user!r} is disabled")
    return Principal(account.name, account.role, account.organisation, frozenset(account.grants), via="local")


@forms_group.command("import")
@click.argument("store_url", metavar="STORE")
@click.argument("export", metavar="EXPORT", type=click.Path(exists=True, dir_okay=False))
@click.option("--form", "form_id", metavar="FORM_ID", help="The form, when the file does not name it.")
@click.option("--user", metavar="NAME", help="Submit as this account of the store (default: the local user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")
def forms_import(store_url: str, export: str, form_id: str | None, user: str | None, as_json: bool) -> None:
    """Keep the filled forms of EXPORT (ODK Central CSV zip; KoboToolbox .json, .csv, .geojson) as submitted
    reports; forms already kept (same instance id) add nothing."""
    from mineaction.access import acting_as
    from mineaction.store import open_store
    from mineaction.workflows import import_form_export

    with open_store(store_url) as store:
        who = _principal(store, user)
        with acting_as(who, address=socket.gethostname(), channel="cli"):
            result = import_form_export(store, who, export, form_id=form_id)
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(
        f"{result.source} ({result.form_id}): {len(result.created)} filled forms kept for approval, "
        f"{len(result.repeated)} already kept"
    )


@forms_group.command("approve")
@click.argument("store_url", metavar="STORE")
@click.argument("instance_id", metavar="INSTANCE_ID")
@click.option(
    "--user", metavar="NAME", help="Approve as this account of the store (default: the local user)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")
def forms_approve(store_url: str, instance_id: str, user: str | None, as_json: bool) -> None:
    """Apply the submitted filled form INSTANCE_ID to the national record (main record, then its repeats)."""
    from mineaction.access import acting_as
    from mineaction.store import open_store
    from mineaction.workflows import approve_form_submission

    with open_store(store_url) as store:
        who = _principal(store, user)
        with acting_as(who, address=socket.gethostname(), channel="cli"):
            result = approve_form_submission(store, who, instance_id)
    if as_json:
        echo_json(result)
        return
    written = ", ".join(f"{kind} {' '.join(ids)}" for kind, ids in result["applied"].items())
    click.echo(f"{instance_id} approved: {written}")


COMMANDS = [forms_group]

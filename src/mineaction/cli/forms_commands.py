"""Commands for field forms: ``forms build OUT_DIR`` writes the XLSForm and XForm of every form.

The forms are generated from the domain schema (``mineaction.forms``), so rebuilding after a schema change
gives forms with the new fields and a new version. Each XForm is checked by ODK Validate (Java) unless
``--no-validate`` is given.
"""

from __future__ import annotations

import click

from mineaction.cli._common import echo_json

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


COMMANDS = [forms_group]

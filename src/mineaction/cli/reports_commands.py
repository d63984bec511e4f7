"""Commands for the approval workflow: ``reports list|show|submit|approve|return|flag``.

Whoever runs them works on the store directly and acts under their login name (or the ``author`` setting)
as a local administrator; the workflow still refuses that anyone approves a report they submitted
themselves. Every step is kept in the report and written to the audit log, from the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from mineaction.cli._common import echo_json
from mineaction.cli.users_commands import acting_locally

if TYPE_CHECKING:
    from mineaction.access import Principal

__all__ = ["COMMANDS", "reports_group"]

_STORE = click.argument("store", metavar="STORE")
_REPORT = click.argument("report_id", metavar="REPORT")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")


def _principal() -> Principal:
    from mineaction.access import local_principal
    from mineaction.cli.store_commands import _default_author

    return local_principal(_default_author())


@click.group("reports")
def reports_group() -> None:
    """Reports submitted for the national record: list, read, submit, approve, return, flag."""


@reports_group.command("list")
@_STORE
@click.option("--status", help="submitted, flagged, returned or approved (default: all)")
@_JSON
def reports_list(store: str, status: str | None, as_json: bool) -> None:
    """List the reports, newest first."""
    from mineaction.workflows import list_reports

    with acting_locally(store) as opened:
        found = list_reports(opened, _principal(), status=status)
    if as_json:
        echo_json(found.to_dict())
        return
    if not found.reports:
        click.echo("no reports" + (f" {status}" if status else ""))
    for r in found.reports:
        click.echo(
            f"{r['id']}  {r['status']:<9}  {r['kind']:<18} {r['n_records']:>6,} record(s)  "
            f"{r['n_findings']:>3} finding(s)  by {r['author']} ({r['organisation'] or '-'})  "
            f"{r['submitted_at']}"
        )


@reports_group.command("show")
@_STORE
@_REPORT
@click.option("--personal", is_flag=True, help="add people's personal fields (needs read_personal; audited)")
@_JSON
def reports_show(store: str, report_id: str, personal: bool, as_json: bool) -> None:
    """Show one report: its records, findings and every step with who, when and why."""
    from mineaction.workflows import show_report

    with acting_locally(store) as opened:
        view = show_report(opened, _principal(), report_id, include_personal=personal)
    if as_json:
        echo_json(view.to_dict())
        return
    r = view.report
    click.echo(
        f"{r['id']}: {r['status']}, {r['n_records']:,} {r['kind']} record(s), {view.versions} version(s)"
    )
    click.echo(f"source reference: {r['source_ref'] or '-'}")
    for step in r["steps"]:
        why = f": {step['reason']}" if step.get("reason") else ""
        click.echo(f"  {step['at']}  {step['action']:<9} {step['by']} ({step['role']}){why}")
    for f in r["findings"]:
        click.echo(f"  finding {f['check']} on {f['id']} ({f['value']}): {f['fix']}")
    if r.get("applied"):
        applied = r["applied"]
        click.echo(f"applied: {len(applied['inserted'])} inserted, {len(applied['updated'])} updated")


@reports_group.command("submit")
@_STORE
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, help="kind of the records (finds, accidents, ...)")
@click.option("--source-ref", help="your own reference for the report (the same one again adds nothing)")
@click.option("--reason", help="a note for the verifier")
@_JSON
def reports_submit(
    store: str, file: str, kind: str, source_ref: str | None, reason: str | None, as_json: bool
) -> None:
    """Submit the records of FILE for approval (the record does not change until a verifier approves)."""
    from mineaction.domain.schema import entity
    from mineaction.io import read_table
    from mineaction.workflows import submit_report

    schema = entity(kind)
    frame = read_table(file, require_geometry=schema.geometry_required)
    ignored = [c for c in frame.columns if c not in schema.field_names and c != "geometry"]
    if ignored:
        click.echo(
            f"{file}: columns ignored (not fields of {kind}): {', '.join(map(str, ignored))}", err=True
        )
    frame = frame.drop(columns=ignored)
    with acting_locally(store) as opened:
        done = submit_report(opened, _principal(), kind, frame, source_ref=source_ref, reason=reason)
    if as_json:
        echo_json(done.to_dict())
        return
    what = "submitted" if done.created else "was submitted before as"
    click.echo(f"{file} {what} report {done.report_id}: {done.status}, {done.n_records:,} record(s)")
    for f in done.findings:
        click.echo(f"  finding {f['check']} on {f['id']} ({f['value']}): {f['fix']}")


def _decision(name: str, needs_reason: bool) -> click.Command:
    help_text = {
        "approve": "Approve REPORT and apply its records to the national record.",
        "return": "Return REPORT to its organisation with --reason (required).",
        "flag": "Flag REPORT with a finding given as --reason (required); it stays waiting.",
    }[name]

    @click.command(name, help=help_text)
    @_STORE
    @_REPORT
    @click.option("--reason", required=needs_reason, help="why (shown to the report's author)")
    @_JSON
    def command(store: str, report_id: str, reason: str | None, as_json: bool) -> None:
        import mineaction.workflows as workflows

        decide: Any = {
            "approve": workflows.approve_report,
            "return": workflows.return_report,
            "flag": workflows.flag_report,
        }[name]
        with acting_locally(store) as opened:
            done = decide(opened, _principal(), report_id, reason=reason)
        if as_json:
            echo_json(done.to_dict())
            return
        applied = f"; {len(done.inserted)} inserted, {len(done.updated)} updated" if name == "approve" else ""
        click.echo(f"report {done.report_id} {done.status} by {done.by}{applied}")

    return command


for _name, _needs in (("approve", False), ("return", True), ("flag", True)):
    reports_group.add_command(_decision(_name, _needs))

COMMANDS = [reports_group]

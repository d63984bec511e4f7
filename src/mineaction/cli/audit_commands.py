"""Commands for the audit log: ``audit verify`` checks its hash chain, ``audit show`` lists entries.

``audit verify`` exits with status 1 and names the first broken entry when any entry was edited, deleted or
moved, or entries were cut from the end; it prints the head (last sequence number and hash), which an office
can write down elsewhere and give back later as ``--anchor SEQ:HASH`` to detect a rewritten log.
"""

from __future__ import annotations

import sys

import click

from mineaction.cli._common import echo_json
from mineaction.errors import InputError

__all__ = ["COMMANDS", "audit_group"]

_STORE = click.argument("store", metavar="STORE")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on standard output.")


def _anchors(values: tuple[str, ...]) -> dict[int, str]:
    anchors = {}
    for value in values:
        seq, _, digest = value.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise InputError(f"--anchor {value!r}: give SEQ:HASH as `audit verify` printed them")
        anchors[int(seq)] = digest.lower()
    return anchors


@click.group("audit")
def audit_group() -> None:
    """The append-only, hash-chained audit log: check it, read it."""


@audit_group.command("verify")
@_STORE
@click.option("--anchor", "anchors", multiple=True, metavar="SEQ:HASH", help="a head recorded earlier")
@_JSON
def audit_verify(store: str, anchors: tuple[str, ...], as_json: bool) -> None:
    """Check every link of the audit log's hash chain; name the first broken entry (exit status 1)."""
    from mineaction.access import verify_audit
    from mineaction.store import open_store

    with open_store(store) as opened:
        check = verify_audit(opened, anchors=_anchors(anchors))
    if as_json:
        echo_json(check.to_dict())
    elif check.ok:
        click.echo(f"audit log intact: {check.entries:,} entries; head {check.head_seq}:{check.head_hash}")
    else:
        click.echo(
            f"audit log BROKEN at entry {check.first_broken}: {check.problem} (entries before it are "
            f"intact; last good head {check.head_seq}:{check.head_hash})",
            err=True,
        )
    if not check.ok:
        sys.exit(1)


@audit_group.command("show")
@_STORE
@click.option("--after", type=int, default=0, show_default=True, help="entries after this sequence number")
@click.option("--limit", type=int, default=100, show_default=True, help="at most this many entries")
@click.option("--action", help="one action only (login, write, read_personal, ...)")
@_JSON
def audit_show(store: str, after: int, limit: int, action: str | None, as_json: bool) -> None:
    """List audit entries, oldest first: when, who, from where, what."""
    from mineaction.access import read_audit
    from mineaction.store import open_store

    with open_store(store) as opened:
        entries = read_audit(opened, after=after, limit=limit, action=action)
    if as_json:
        echo_json([e.to_dict() for e in entries])
        return
    for e in entries:
        who = f"{e.actor or '?'} ({e.organisation})" if e.organisation else (e.actor or "?")
        click.echo(f"{e.seq:>6} {e.at} {who:<28} {e.origin or '':<18} {e.action:<16} {e.target or ''}")


COMMANDS = [audit_group]

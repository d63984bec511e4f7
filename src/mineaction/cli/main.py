"""The ``mineaction`` command: a click group gathering the commands of each module."""

from __future__ import annotations

import sys

import click

from mineaction import __version__
from mineaction.errors import MineActionError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mineaction")
def cli() -> None:
    """mineaction: record, measure, predict, plan and report humanitarian mine action."""


def _register() -> None:
    from mineaction.cli import (
        analysis_commands,
        plan_commands,
        risk_commands,
        simulate_commands,
        store_commands,
    )

    for module in (store_commands, simulate_commands, analysis_commands, risk_commands, plan_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Entry point: run the command; a MineActionError becomes one line on stderr and exit status 1."""
    try:
        cli.main(standalone_mode=False)
    except MineActionError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)

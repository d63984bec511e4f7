"""The ``mineaction`` command: a click group gathering the commands of each module."""

from __future__ import annotations

import importlib
import socket
import sys

import click

from mineaction import __version__
from mineaction.errors import MineActionError

__all__ = ["cli", "main"]


# Each command's module, imported only when that command runs (or when help lists them all), so that
# `mineaction import` does not load the risk model's or the planner's libraries.
COMMAND_MODULES = {
    "init": "store_commands",
    "import": "store_commands",
    "export": "store_commands",
    "stats": "store_commands",
    "copy": "copy_commands",
    "backup": "copy_commands",
    "restore": "copy_commands",
    "simulate": "simulate_commands",
    "demo": "simulate_commands",
    "records": "analysis_commands",
    "alerts": "analysis_commands",
    "quality": "analysis_commands",
    "eore": "people_commands",
    "survivors": "people_commands",
    "patterns": "patterns_commands",
    "report": "report_commands",
    "risk": "risk_commands",
    "plan": "plan_commands",
    "serve": "serve_commands",
    "organisations": "users_commands",
    "users": "users_commands",
    "audit": "audit_commands",
    "reports": "reports_commands",
    "forms": "forms_commands",
}


class _LazyGroup(click.Group):
    """A group whose commands live in the modules of ``COMMAND_MODULES`` (their ``COMMANDS`` lists)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"mineaction.cli.{module_name}")
        return next((c for c in module.COMMANDS if c.name == cmd_name), None)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mineaction")
def cli() -> None:
    """mineaction: record, measure, predict, plan and report humanitarian mine action."""
    from mineaction.store import Origin, acting

    # Audit entries made by any command say they came from the command line on this machine.
    click.get_current_context().with_resource(acting(Origin(address=socket.gethostname(), channel="cli")))


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

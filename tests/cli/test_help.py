"""Every command answers --help with a description, and the README names every top-level command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    context = click.Context(group)
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        assert command is not None, f"mineaction {' '.join((*prefix, name))} is listed but cannot be loaded"
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


COMMANDS = _commands(cli)


def test_the_stable_verbs_are_all_there() -> None:
    top = {c[0] for c in COMMANDS}
    expected = {"demo", "simulate", "init", "import", "export", "stats", "records", "alerts", "quality"}
    assert expected | {"risk", "plan", "report"} <= top


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    description = result.output.split("Options:")[0].split("\n", 2)[-1].strip()
    assert description, f"mineaction {' '.join(path)} has no description"


def test_readme_shows_every_top_level_command() -> None:
    text = README.read_text()
    missing = [name for name in sorted({c[0] for c in COMMANDS}) if f"mineaction {name}" not in text]
    assert not missing, f"README quick start does not show: {missing}"

"""Settings: defaults with help lines, a YAML file, MINEACTION_* variables, and clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mineaction.errors import ConfigError
from mineaction.settings import Settings, load_settings


def test_every_setting_has_a_default_and_a_help_line() -> None:
    help_lines = Settings.describe()
    assert help_lines and all(text.strip() for text in help_lines.values())
    assert Settings().positional_tolerance_m == 25.0


def test_file_then_environment_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("positional_tolerance_m: 40\nceasefire: 2020-11-10\naoi: [-79.1, -4.3, -66.8, 13.5]\n")
    loaded = load_settings(path, environ={"MINEACTION_POSITIONAL_TOLERANCE_M": "50"})
    assert loaded.positional_tolerance_m == 50.0
    assert loaded.aoi == (-79.1, -4.3, -66.8, 13.5)
    assert loaded.ceasefire == date(2020, 11, 10)


def test_unknown_or_malformed_settings_are_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("tolerance: 3\n")
    with pytest.raises(ConfigError, match="unknown settings.*tolerance"):
        load_settings(path, environ={})
    with pytest.raises(ConfigError, match="positional_tolerance_m.*not a valid float"):
        load_settings(environ={"MINEACTION_POSITIONAL_TOLERANCE_M": "far"})


def test_docs_list_every_setting_with_its_help() -> None:
    from mineaction.settings import settings_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings_table() in doc, (
        "docs/settings.md does not list every setting as it is now; paste the output of "
        "python -c 'from mineaction.settings import settings_table; print(settings_table())' into it"
    )


def test_every_computing_command_takes_a_settings_file() -> None:
    from click.testing import CliRunner

    from mineaction.cli.main import cli

    commands = [
        ["records", "assess"], ["alerts"], ["quality"], ["stats"], ["report"], ["plan"],
        ["risk", "fit"], ["risk", "predict"], ["risk", "evaluate"], ["risk", "candidates"],
    ]  # fmt: skip
    for command in commands:
        out = CliRunner().invoke(cli, [*command, "--help"]).output
        assert "--settings" in out, f"mineaction {' '.join(command)} takes no --settings"

"""`mineaction eore coverage`, `eore needs` and `survivors` on a small store built from the example files
(fixture ``people_store`` in tests/conftest.py):
JSON equal to the jobs' results, tables with units, personal data only when asked, one-line errors."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from mineaction.cli.main import cli, main


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_eore_coverage_json_and_table(people_store: str) -> None:
    store = people_store
    code, out = _run("eore", "coverage", store, "--json", "--as-of", "2024-12-31")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["as_of"] == "2024-12-31" and payload["records"] == 5
    # the village's 40 families: 16 + 11 (a session placed by its point) reached before 1 April 2024
    village = next(r for r in payload["coverage_by_settlement"] if r["settlement"] == "ST-000101")
    assert village["families_reached_before"] == 27 and village["families"] == 40
    assert payload["coverage"]["returns_missed"] == 1  # the town: its school session reached no families
    code, out = _run("eore", "coverage", store, "--as-of", "2024-12-31")
    assert code == 0 and "coverage of returning families" in out and "%" in out


def test_survivors_public_by_default_personal_when_asked(people_store: str) -> None:
    store = people_store
    code, out = _run("survivors", store, "--json", "--as-of", "2025-06-30")
    assert code == 0, out
    public = json.loads(out)
    assert public["public"] and public["totals"]["survivors"] == "<5"
    assert public["totals"]["assessed_share"] is None and public["open_over_a_year"] == []
    assert "1978-05-02" not in out and "illustrative:" not in out
    code, out = _run("survivors", store, "--json", "--as-of", "2025-06-30", "--include-personal")
    personal = json.loads(out)
    assert personal["totals"]["survivors"] == 2 and personal["totals"]["assessed"] == 2
    assert [r["need"] for r in personal["open_over_a_year"]] == ["economic_inclusion", "psychological"]
    code, out = _run("survivors", store)
    assert code == 0 and "counts under 5 are shown as <5" in out


def test_eore_needs_without_a_saved_plan_is_one_clear_error(
    people_store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["mineaction", "eore", "needs", people_store])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["error: the store holds no saved plan; run `mineaction plan STORE` first"]

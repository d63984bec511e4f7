"""Forms built from the schema: every field asked, every choice labelled in three languages, ODK Validate."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from mineaction.cli.main import cli
from mineaction.domain.schema import ENTITIES
from mineaction.domain.vocab import LANGUAGES, VOCABULARIES, term_label
from mineaction.errors import InputError
from mineaction.forms import (
    FORMS,
    SERVER_FIELDS,
    BuiltForm,
    asked_fields,
    build_forms,
    form_sheets,
    write_workbook,
)
from mineaction.forms.build import _convert
from mineaction.forms.definitions import JSON_GROUPS

XF = "{http://www.w3.org/2002/xforms}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[BuiltForm]:
    """All forms built once with ODK Validate (a Java run per form)."""
    return build_forms(tmp_path_factory.mktemp("forms"))


def _binds(xml: Path) -> dict[str, dict[str, str]]:
    root = ET.parse(xml).getroot()
    return {b.attrib["nodeset"]: b.attrib for b in root.iter(f"{XF}bind")}


def _node(kind: str, base: str, name: str) -> str:
    """The bind a field's answer has: its own, or its repeat group's first sub-question's."""
    group = JSON_GROUPS.get((kind, name))
    return f"{base}{name}/{name}_{group[0][0]}" if group else f"{base}{name}"


@pytest.mark.slow
def test_every_form_passes_odk_validate_and_asks_every_schema_field(built: list[BuiltForm]) -> None:
    assert [b.form_id for b in built] == list(FORMS)
    for form in built:
        assert form.warnings == ()
        binds = _binds(form.xml)
        definition = FORMS[form.form_id]
        for part in definition.parts:
            base = f"/data/{part.group}/" if part.group else "/data/"
            missing = [f.name for f in asked_fields(part) if _node(part.kind, base, f.name) not in binds]
            assert not missing, f"{form.form_id}: schema fields of {part.kind} with no question: {missing}"
            # what is not asked is filled by the server or from the main record, and names real fields
            not_asked = set(part.schema.field_names) - {f.name for f in asked_fields(part)}
            assert not_asked <= {*SERVER_FIELDS, *part.inherited, part.link}
            assert {*part.inherited, part.link} - {None} <= set(part.schema.field_names)
            if part.schema.geometry in ("point", "polygon"):
                expected = "geopoint" if part.schema.geometry == "point" else "geoshape"
                assert binds[f"{base}geometry"]["type"] == expected
        assert "/data/meta/instanceID" in binds


@pytest.mark.slow
def test_ranges_personal_fields_and_photo_reach_the_xform(built: list[BuiltForm]) -> None:
    by_id = {b.form_id: b for b in built}
    spot = _binds(by_id["eo_spot_report"].xml)
    assert spot["/data/manufacture_year"]["constraint"] == ". >= 1900 and . <= 2100"
    assert spot["/data/found_on"]["required"] == "true()"
    assert spot["/data/photo"]["type"] == "binary"
    assert spot["/data/activity"]["constraint"] == "regex(., '^AT-[0-9]{1,12}$')"
    accident = _binds(by_id["accident_report"].xml)
    personal = {n for n, b in accident.items() if b.get("{urn:mineaction:forms}personal") == "true"}
    assert personal == {"/data/victims/name", "/data/victims/contact", "/data/victims/date_of_birth"}
    clearance = _binds(by_id["clearance_progress"].xml)
    assert clearance["/data/cleared_m2"]["constraint"] == ". >= 0 and . <= 1000000000"
    assert clearance["/data/finds/geometry"]["type"] == "geopoint"
    root = ET.parse(by_id["accident_report"].xml).getroot()
    instance = root.find(f".//{XF}instance/{XF}data")
    assert instance is not None
    assert instance.attrib == {"id": "accident_report", "version": by_id["accident_report"].version}


def test_every_choice_has_an_english_azerbaijani_and_russian_label() -> None:
    missing = []
    for form in FORMS.values():
        sheets = form_sheets(form)
        lists = {r["type"].split(" ", 1)[1] for r in sheets.survey if r["type"].startswith("select_")}
        for name in lists - {"yes_no"}:
            for code in VOCABULARIES[name]:
                for language in LANGUAGES:
                    try:
                        if not term_label(name, code, language).strip():
                            missing.append(f"{name}.{code} ({language}: empty)")
                    except KeyError as exc:
                        missing.append(str(exc))
        labelled = [r for r in sheets.choices if all(r.get(f"label::{n}") for n in _language_columns())]
        assert len(labelled) == len(sheets.choices)
    assert not missing, "vocabulary codes without a label in one of the three languages:\n" + "\n".join(
        missing
    )


def _language_columns() -> list[str]:
    from mineaction.forms import LANGUAGE_NAMES

    return list(LANGUAGE_NAMES.values())


def test_a_new_code_without_translation_is_caught() -> None:
    with pytest.raises(KeyError, match="device_category.drone has no az label"):
        term_label("device_category", "drone", "az")


def test_a_schema_change_changes_the_questions_and_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    form = FORMS["eo_spot_report"]
    before = form_sheets(form)
    finds = ENTITIES["finds"]
    narrower = replace(finds, fields=tuple(f for f in finds.fields if f.name != "depth_cm"))
    monkeypatch.setattr("mineaction.forms.definitions.ENTITIES", {**ENTITIES, "finds": narrower})
    after = form_sheets(form)
    assert any(r["name"] == "depth_cm" for r in before.survey)
    assert not any(r["name"] == "depth_cm" for r in after.survey)
    assert after.version != before.version


@pytest.mark.slow
def test_odk_validate_refuses_a_broken_form(tmp_path: Path) -> None:
    sheets = form_sheets(FORMS["eo_spot_report"])
    broken = [dict(r) for r in sheets.survey]
    broken[1]["constraint"] = ". >= and <"
    path = tmp_path / "broken.xlsx"
    write_workbook(replace(sheets, survey=tuple(broken)), path)
    with pytest.raises(InputError, match="broken.xlsx: the generated form does not compile: ODK Validate"):
        _convert(path, validate=True)


def test_forms_build_command_writes_workbook_and_xform(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["forms", "build", str(out), "--form", "eo_spot_report", "--no-validate"]
    )
    assert result.exit_code == 0, result.output
    assert "eo_spot_report version" in result.output
    book = load_workbook(out / "eo_spot_report.xlsx", read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    settings = list(book["settings"].iter_rows(values_only=True))
    assert dict(zip(settings[0], settings[1], strict=True))["form_id"] == "eo_spot_report"
    assert ET.parse(out / "eo_spot_report.xml").getroot().tag.endswith("html")
    assert sorted(p.name for p in out.iterdir()) == ["eo_spot_report.xlsx", "eo_spot_report.xml"]

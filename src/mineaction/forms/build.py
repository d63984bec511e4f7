"""Writing the field forms: each XLSForm as an .xlsx workbook (openpyxl) and its XForm .xml (pyxform).

``build_forms(out_dir)`` writes ``<form_id>.xlsx`` and ``<form_id>.xml`` for every form; with ``validate``
(the default) pyxform runs ODK Validate, its bundled Java program, on each XForm, so a form that ODK Collect
or Enketo would refuse is never written. ``compile_xform`` gives the XForm text alone (the server serves it).
Both files of a form are written under temporary names and renamed only when both are complete.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mineaction.errors import ConfigError, InputError
from mineaction.forms.definitions import FORMS, form_definition
from mineaction.forms.xlsform import XLSForm, form_sheets
from mineaction.io.atomic import atomic_path

__all__ = ["BuiltForm", "build_forms", "compile_xform", "write_workbook"]


@dataclass(frozen=True)
class BuiltForm:
    """One form written: its id and version, the two files, and any warning pyxform gave."""

    form_id: str
    version: str
    xlsx: Path
    xml: Path
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "form_id": self.form_id,
            "version": self.version,
            "xlsx": str(self.xlsx),
            "xml": str(self.xml),
            "warnings": list(self.warnings),
        }


def write_workbook(form: XLSForm, path: Path) -> None:
    """Write the three sheets of ``form`` into the workbook ``path`` (columns in first-seen order)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in form.sheets().items():
        sheet = book.create_sheet(title)
        columns = list(dict.fromkeys(column for row in rows for column in row))
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column, "") for column in columns])
    book.save(path)


def _convert(source: Path, *, validate: bool) -> tuple[str, tuple[str, ...]]:
    from pyxform.errors import PyXFormError
    from pyxform.validators.odk_validate import ODKValidateError
    from pyxform.xls2xform import convert

    if validate and shutil.which("java") is None:
        raise ConfigError(
            "ODK Validate needs Java: install openjdk-17-jre-headless, or build with --no-validate"
        )
    warnings: list[str] = []
    try:
        result = convert(xlsform=str(source), warnings=warnings, validate=validate, pretty_print=True)
    except (PyXFormError, ODKValidateError) as exc:
        raise InputError(f"{source.name}: the generated form does not compile: {exc}") from exc
    return result.xform, tuple(warnings)


@lru_cache(maxsize=16)
def compile_xform(form_id: str) -> str:
    """The XForm XML of the form ``form_id``, compiled by pyxform without ODK Validate (cached)."""
    sheets = form_sheets(form_definition(form_id))
    with tempfile.TemporaryDirectory(prefix="mineaction-form-") as tmp:
        path = Path(tmp) / f"{form_id}.xlsx"
        write_workbook(sheets, path)
        return _convert(path, validate=False)[0]


def build_forms(out_dir: str | Path, *, validate: bool = True, only: tuple[str, ...] = ()) -> list[BuiltForm]:
    """Write every form (or those named in ``only``) as .xlsx and .xml into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for form_id in only or tuple(FORMS):
        sheets = form_sheets(form_definition(form_id))
        xlsx, xml = out / f"{form_id}.xlsx", out / f"{form_id}.xml"
        with atomic_path(xlsx) as tmp_xlsx, atomic_path(xml) as tmp_xml:
            write_workbook(sheets, tmp_xlsx)
            xform, warnings = _convert(tmp_xlsx, validate=validate)
            tmp_xml.write_text(xform, encoding="utf-8")
        built.append(BuiltForm(form_id, sheets.version, xlsx, xml, warnings))
    return built

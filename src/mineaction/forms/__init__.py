"""Field forms: XLSForm/XForm generated from the domain schema, and submissions and exports read back.

The forms (``FORMS``) ask every field of their kinds of record (``mineaction.domain.schema``), with choice
lists from the vocabularies in English, Azerbaijani and Russian; ``build_forms`` writes them as XLSForm
workbooks and XForms (pyxform, checked by ODK Validate). ``read_submission`` (OpenRosa instance XML) and
``read_export`` (ODK Central CSV zip, KoboToolbox JSON/CSV/GeoJSON) read filled forms back into validated
records, geometry in ODK's ``lat lon alt acc`` order turned into WGS84 lon/lat.
"""

from mineaction.forms.answers import FormRecords, form_records, parse_geopoint, parse_geoshape
from mineaction.forms.build import BuiltForm, build_forms, compile_xform, write_workbook
from mineaction.forms.definitions import (
    FORMS,
    SERVER_FIELDS,
    FormDefinition,
    Part,
    asked_fields,
    form_definition,
)
from mineaction.forms.exports import ExportBatch, read_export
from mineaction.forms.instances import read_submission
from mineaction.forms.xlsform import LANGUAGE_NAMES, XLSForm, form_sheets, form_versions

__all__ = [
    "BuiltForm",
    "ExportBatch",
    "FORMS",
    "FormDefinition",
    "FormRecords",
    "LANGUAGE_NAMES",
    "Part",
    "SERVER_FIELDS",
    "XLSForm",
    "asked_fields",
    "build_forms",
    "compile_xform",
    "form_definition",
    "form_records",
    "form_sheets",
    "form_versions",
    "parse_geopoint",
    "parse_geoshape",
    "read_export",
    "read_submission",
    "write_workbook",
]

"""Field forms: XLSForm/XForm generated from the domain schema, and submissions and exports read back.

The forms (``FORMS``) ask every field of their kinds of record (``mineaction.domain.schema``), with choice
lists from the vocabularies in English, Azerbaijani and Russian; ``build_forms`` writes them as XLSForm
workbooks and XForms (pyxform, checked by ODK Validate).
"""

from mineaction.forms.build import BuiltForm, build_forms, compile_xform, write_workbook
from mineaction.forms.definitions import (
    FORMS,
    SERVER_FIELDS,
    FormDefinition,
    Part,
    asked_fields,
    form_definition,
)
from mineaction.forms.xlsform import LANGUAGE_NAMES, XLSForm, form_sheets

__all__ = [
    "BuiltForm",
    "FORMS",
    "FormDefinition",
    "LANGUAGE_NAMES",
    "Part",
    "SERVER_FIELDS",
    "XLSForm",
    "asked_fields",
    "build_forms",
    "compile_xform",
    "form_definition",
    "form_sheets",
    "write_workbook",
]

"""XLSForm sheets (survey, choices, settings) generated from the domain schema for each field form.

Every asked field of a form's kinds becomes one question: vocabulary fields a ``select_one`` of the
vocabulary's codes with English, Azerbaijani and Russian labels, booleans a yes/no choice, numbers
``integer``/``decimal`` with the schema's range as constraint, dates ``date`` no later than today (planned
dates excepted), references to other records ``text`` constrained to the kind's id pattern, personal fields
marked ``mineaction:personal`` on their bind. Geometry is a ``geopoint`` (points) or ``geoshape``
(polygons), in WGS84 as ODK writes it (``lat lon alt acc``). The form's version is a digest of its sheets, so
any change to the schema gives a new version and submissions of an old one are told to update the form.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from mineaction.domain.schema import ENTITIES, PLANNED_DATE_FIELDS, Field
from mineaction.domain.vocab import LANGUAGES, VOCABULARIES, term_label
from mineaction.forms.definitions import JSON_GROUPS, FormDefinition, Part, asked_fields

__all__ = ["LANGUAGE_NAMES", "NAMESPACE", "XLSForm", "form_sheets", "form_versions"]

LANGUAGE_NAMES = {"en": "English (en)", "az": "Azərbaycanca (az)", "ru": "Русский (ru)"}
NAMESPACE = "urn:mineaction:forms"
_NS_PREFIX = "mineaction"
_YES_NO = {"yes": ("yes", "bəli", "да"), "no": ("no", "xeyr", "нет")}
_MESSAGES = {
    "range": ("from {lo} to {hi}", "{lo} ilə {hi} arasında", "от {lo} до {hi}"),
    "past": ("cannot be in the future", "gələcək tarix ola bilməz", "не может быть в будущем"),
    "id": ("an id like {p}-000123", "{p}-000123 kimi identifikator", "идентификатор вида {p}-000123"),
    "ids": (
        "ids like {p}-000123, separated by spaces",
        "{p}-000123 kimi identifikatorlar, boşluqla ayrılmış",
        "идентификаторы вида {p}-000123 через пробел",
    ),
}
_PERSONAL = (
    "personal data, restricted",
    "şəxsi məlumat, məhdud giriş",
    "персональные данные, ограниченный доступ",
)
_GEOMETRY = {
    "point": ("geopoint", "Location", "Yer", "Местоположение"),
    "polygon": ("geoshape", "Boundary (walk or draw it)", "Sərhəd", "Граница"),
}
_PHOTO = ("Photo of the item (from a safe distance; never touch it)", "Əşyanın şəkli", "Фото предмета")
_TYPES = {"int": "integer", "float": "decimal", "date": "date", "datetime": "dateTime", "str": "text"}

Row = dict[str, str]


@dataclass(frozen=True)
class XLSForm:
    """The three sheets of one form as rows of column -> text, ready for a workbook or pyxform."""

    form_id: str
    version: str
    survey: tuple[Row, ...]
    choices: tuple[Row, ...]
    settings: Row

    def sheets(self) -> dict[str, list[Row]]:
        return {"survey": list(self.survey), "choices": list(self.choices), "settings": [self.settings]}


def _labels(texts: tuple[str, str, str], column: str = "label") -> Row:
    return {f"{column}::{LANGUAGE_NAMES[lang]}": text for lang, text in zip(LANGUAGES, texts, strict=True)}


def _message(key: str, **values: object) -> Row:
    return _labels(tuple(t.format(**values) for t in _MESSAGES[key]), "constraint_message")  # type: ignore[arg-type]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _id_pattern(prefix: str, *, many: bool) -> str:
    one = f"{prefix}-[0-9]{{1,12}}"
    return f"regex(., '^{one}( {one})*$')" if many else f"regex(., '^{one}$')"


def _constraint(field: Field) -> Row:
    if field.ref is not None:
        prefix = ENTITIES[field.ref].prefix
        many = field.type == "json"
        return {"constraint": _id_pattern(prefix, many=many), **_message("ids" if many else "id", p=prefix)}
    if field.minimum is not None and field.maximum is not None:
        lo, hi = _number(field.minimum), _number(field.maximum)
        return {"constraint": f". >= {lo} and . <= {hi}", **_message("range", lo=lo, hi=hi)}
    if field.type == "date" and field.name not in PLANNED_DATE_FIELDS:
        return {"constraint": ". <= today()", **_message("past")}
    return {}


def _question_type(field: Field) -> str:
    if field.vocabulary is not None:
        return f"select_{'multiple' if field.type == 'json' else 'one'} {field.vocabulary}"
    if field.type == "bool":
        return "select_one yes_no"
    return _TYPES.get(field.type, "text")


def _label_text(field: Field) -> str:
    text = field.help or field.name.replace("_", " ")
    return text[:1].upper() + text[1:]


def question(field: Field, *, name: str | None = None) -> Row:
    """The survey row asking ``field`` (``name`` overrides the question's name)."""
    english = _label_text(field).replace(" (personal data, access-controlled)", "")
    row: Row = {"type": _question_type(field), "name": name or field.name}
    if field.personal:
        row.update(_labels(tuple(f"{english} ({p})" for p in _PERSONAL)))  # type: ignore[arg-type]
        row[f"bind::{_NS_PREFIX}:personal"] = "true"
    else:
        row.update(_labels((english, english, english)))
    if field.required:
        row["required"] = "yes"
    row.update(_constraint(field))
    return row


def _json_group(kind: str, field: Field) -> list[Row]:
    rows: list[Row] = [{"type": "begin_repeat", "name": field.name, **_labels((_label_text(field),) * 3)}]  # type: ignore[arg-type]
    for sub, sub_type, vocabulary, label in JSON_GROUPS[(kind, field.name)]:
        sub_field = Field(f"{field.name}_{sub}", sub_type, label, sub == "kind", vocabulary)  # type: ignore[arg-type]
        rows.append(question(sub_field))
    rows.append({"type": "end_repeat", "name": field.name})
    return rows


def _part_rows(part: Part) -> list[Row]:
    schema = part.schema
    rows: list[Row] = []
    if schema.geometry in _GEOMETRY:
        kind, *labels = _GEOMETRY[schema.geometry]
        rows.append({"type": kind, "name": "geometry", **_labels(tuple(labels))})  # type: ignore[arg-type]
        if schema.geometry_required:
            rows[-1]["required"] = "yes"
    for field in asked_fields(part):
        if (part.kind, field.name) in JSON_GROUPS:
            rows.extend(_json_group(part.kind, field))
        else:
            rows.append(question(field))
    return rows


def _survey(form: FormDefinition) -> list[Row]:
    rows = _part_rows(form.main)
    if form.photo:
        rows.append({"type": "image", "name": "photo", "parameters": "max-pixels=1600", **_labels(_PHOTO)})
    for part in form.repeats:
        label = (part.label or part.schema.label,) * 3
        rows.append({"type": "begin_repeat", "name": part.group, **_labels(label)})  # type: ignore[arg-type]
        rows.extend(_part_rows(part))
        rows.append({"type": "end_repeat", "name": part.group})
    return rows


def _choices(survey: list[Row]) -> list[Row]:
    lists = [r["type"].split(" ", 1)[1] for r in survey if r["type"].startswith("select_")]
    rows: list[Row] = []
    for name in dict.fromkeys(lists):
        if name == "yes_no":
            rows += [{"list_name": name, "name": code, **_labels(texts)} for code, texts in _YES_NO.items()]
            continue
        for code in VOCABULARIES[name]:
            texts = tuple(term_label(name, code, lang) for lang in LANGUAGES)
            rows.append({"list_name": name, "name": code, **_labels(texts)})  # type: ignore[arg-type]
    return rows


def form_sheets(form: FormDefinition) -> XLSForm:
    """The XLSForm of ``form``, generated from the schema; its version is a digest of the sheets."""
    survey = _survey(form)
    choices = _choices(survey)
    digest = hashlib.sha256(json.dumps([form.form_id, survey, choices], sort_keys=True).encode()).hexdigest()
    version = digest[:12]
    settings: Row = {
        "form_title": form.title,
        "form_id": form.form_id,
        "version": version,
        "default_language": LANGUAGE_NAMES["en"],
        "namespaces": f'{_NS_PREFIX}="{NAMESPACE}"',
    }
    return XLSForm(form.form_id, version, tuple(survey), tuple(choices), settings)


def form_versions() -> dict[str, str]:
    """The version of every form as generated from the current schema: form id -> version."""
    from mineaction.forms.definitions import FORMS

    return {form_id: form_sheets(form).version for form_id, form in FORMS.items()}

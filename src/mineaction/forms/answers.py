"""A filled form's answers turned into validated records of the domain (one frame per kind of record).

Every reader of filled forms (OpenRosa submission XML, ODK Central and KoboToolbox exports) hands its answers
here as text keyed by question name: the main record's answers, and for each repeat group a list of such
answers. ODK geometry is read in ODK's order: a ``geopoint`` is ``lat lon alt acc`` (latitude first), a
``geoshape`` is such points separated by ``;``; both become WGS84 (EPSG:4326) shapes in lon/lat order. The
records are then checked by ``mineaction.domain.validate_frame`` (vocabularies, ranges, required fields,
dates, geometry), so a form's records pass exactly the checks an import does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from mineaction.domain.schema import EntitySchema
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, ValidationError
from mineaction.forms.definitions import JSON_GROUPS, FormDefinition, Part, asked_fields

__all__ = ["Answers", "FormRecords", "form_records", "parse_geopoint", "parse_geoshape"]

# Answers of one record: question name -> text (a JSON group's answers: a list of such mappings).
Answers = Mapping[str, Any]
_YES = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


@dataclass(frozen=True)
class FormRecords:
    """One filled form read back: which form and version, its instance id and its records by kind.

    ``records`` maps each kind to its validated frame (the main kind one row; a repeat group's kind one row
    per repeat). The repeat rows' link to the main record (``victims.accident``) is empty until the main
    record has its id (on approval); ``attachments`` are the file names the answers refer to (the photo).
    """

    form_id: str
    version: str
    instance_id: str
    records: Mapping[str, pd.DataFrame]
    attachments: tuple[str, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(frame) for kind, frame in self.records.items()}


def _coordinate(text: str, *, where: str) -> tuple[float, float]:
    parts = text.split()
    if len(parts) < 2:
        raise InputError(f"{where}: {text!r} is not a point; ODK writes 'lat lon alt acc' (latitude first)")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a point of numbers 'lat lon alt acc'") from None
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise InputError(
            f"{where}: latitude {lat} / longitude {lon} is out of range (latitude -90 to 90, longitude "
            "-180 to 180); ODK writes 'lat lon alt acc', latitude first"
        )
    return lon, lat


def parse_geopoint(text: str, *, where: str = "geopoint") -> Point:
    """A ``geopoint`` answer ``lat lon [alt [acc]]`` as a WGS84 point (x = longitude, y = latitude)."""
    return Point(_coordinate(text, where=where))


def parse_geoshape(text: str, *, where: str = "geoshape") -> Polygon:
    """A ``geoshape`` answer (``lat lon alt acc`` points separated by ``;``) as a WGS84 polygon."""
    points = [_coordinate(p, where=where) for p in text.split(";") if p.strip()]
    if len(points) >= 2 and points[0] != points[-1]:
        points.append(points[0])
    if len(points) < 4:
        raise InputError(f"{where}: a shape needs at least three distinct points, got {len(points) - 1}")
    return Polygon(points)


def _geometry(schema: EntitySchema, text: str, *, where: str) -> BaseGeometry:
    if schema.geometry == "point":
        return parse_geopoint(text, where=where)
    return parse_geoshape(text, where=where)


def _json_value(kind: str, name: str, value: Any, *, where: str) -> Any:
    if (kind, name) not in JSON_GROUPS:
        return value.split() if isinstance(value, str) else value  # a list of ids, space-separated
    items = []
    for n, entry in enumerate(value or [], start=1):
        item: dict[str, Any] = {}
        for sub, sub_type, _vocabulary, _label in JSON_GROUPS[(kind, name)]:
            text = str(entry.get(f"{name}_{sub}", "") or "").strip()
            if sub_type == "bool":
                item[sub] = _YES.get(text.lower()) if text else None
            elif sub == "ids":
                item[sub] = text.split()
            else:
                item[sub] = text or None
        if not item.get("kind"):
            raise InputError(f"{where}: {name}[{n}]: the kind of evidence is required")
        items.append(item)
    return items or None


def _row(part: Part, answers: Answers, *, where: str) -> dict[str, Any]:
    schema = part.schema
    row: dict[str, Any] = {}
    for f in asked_fields(part):
        value = answers.get(f.name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and f.type == "bool" and isinstance(value, str):
            value = _YES.get(value.lower(), value)
        if f.type == "json":
            value = _json_value(schema.kind, f.name, value, where=where)
        row[f.name] = value
    geometry_text = str(answers.get("geometry") or "").strip()
    if schema.geometry in ("point", "polygon"):
        row["geometry"] = (
            _geometry(schema, geometry_text, where=f"{where}: geometry") if geometry_text else None
        )
    return row


def _relaxed(part: Part) -> EntitySchema:
    """The part's schema with its link to the main record optional (filled on approval)."""
    schema = part.schema
    fields = tuple(replace(f, required=False) if f.name == part.link else f for f in schema.fields)
    return replace(schema, fields=fields)


def _validated(part: Part, rows: list[dict[str, Any]], *, where: str, today: date | None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*rows[0]]) if rows else pd.DataFrame()
    if "geometry" in frame:
        import geopandas as gpd

        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    report = validate_frame(frame, _relaxed(part), file=where, today=today)
    if not report.ok:
        problems = "; ".join(
            f"{part.group + '[' + str(i.row) + '].' if part.group else ''}{i.field}: {i.reason}"
            + (f" ({i.fix})" if i.fix else "")
            for i in report.errors[:5]
        )
        raise ValidationError(f"{where}: {problems}", report)
    return report.frame


def form_records(
    form: FormDefinition,
    main: Answers,
    repeats: Mapping[str, Sequence[Answers]] | None = None,
    *,
    instance_id: str,
    version: str,
    where: str,
    today: date | None = None,
    attachments: Sequence[str] = (),
    meta: Mapping[str, str] | None = None,
) -> FormRecords:
    """Validated records of one filled ``form``; the error names ``where``, the question and the fix."""
    if not instance_id:
        raise InputError(f"{where}: no instance id (meta/instanceID); every filled form must carry one")
    common = {"source_doc": instance_id}
    main_row = {**_row(form.main, main, where=where), **common}
    records = {form.main.kind: _validated(form.main, [main_row], where=where, today=today)}
    for part in form.repeats:
        inherited = {name: main_row.get(name) for name in part.inherited}
        rows = [
            {**_row(part, answers, where=f"{where}: {part.group}[{n}]"), **inherited, **common}
            for n, answers in enumerate((repeats or {}).get(part.group, ()), start=1)
        ]
        if rows:
            records[part.kind] = _validated(part, rows, where=where, today=today)
    return FormRecords(form.form_id, version, instance_id, records, tuple(attachments), dict(meta or {}))

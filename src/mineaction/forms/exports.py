"""Exports of filled forms from ODK Central and KoboToolbox read into validated records.

- ODK Central: the CSV zip of a form (``FORM_ID.csv``, one ``FORM_ID-GROUP.csv`` per repeat group joined by
  ``PARENT_KEY``, ``media/`` with attachments); group paths are joined with ``-`` and a ``geopoint`` is split
  into ``NAME-Latitude``, ``NAME-Longitude``, ``NAME-Altitude`` and ``NAME-Accuracy`` columns.
- KoboToolbox: JSON (the API's ``results`` list, repeats as nested lists), CSV (``,`` or ``;`` separated,
  ``/`` group paths, no repeats) and GeoJSON (a FeatureCollection, geometry in GeoJSON's lon/lat order).

Each filled form keeps its instance id (``meta/instanceID``, Central's ``KEY``, Kobo's ``_uuid``), so
importing the same export twice adds nothing downstream.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from mineaction.errors import InputError
from mineaction.forms.answers import FormRecords, form_records
from mineaction.forms.definitions import FORMS, JSON_GROUPS, FormDefinition, form_definition

__all__ = ["ExportBatch", "read_export"]

_GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
_MAX_ZIP_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ExportBatch:
    """The filled forms of one export file and the attachments found in it (file name -> bytes)."""

    source: str
    form_id: str
    forms: tuple[FormRecords, ...]
    files: Mapping[str, bytes] = field(default_factory=dict)


def _name(column: str) -> str:
    return column.replace("-", "/").rsplit("/", 1)[-1]


def _answers(row: Mapping[str, Any]) -> dict[str, Any]:
    """Answers by question name from one export row (group paths dropped, split geopoints rejoined)."""
    answers: dict[str, Any] = {}
    for column, value in row.items():
        head, _, tail = column.rpartition("-")
        if tail in _GEO_PARTS and head:
            continue
        answers[_name(column)] = value
    for column in row:
        head, _, tail = column.rpartition("-")
        if tail == "Latitude" and head and str(row[column] or "").strip():
            parts = [str(row.get(f"{head}-{p}", "") or "").strip() for p in _GEO_PARTS]
            answers[_name(head)] = " ".join(p for p in parts if p)
    return answers


def _instance_id(answers: Mapping[str, Any], row: Mapping[str, Any]) -> str:
    for key in ("instanceID", "KEY", "meta/instanceID"):
        if str(answers.get(key) or row.get(key) or "").strip():
            return str(answers.get(key) or row.get(key)).strip()
    uuid = str(row.get("_uuid") or "").strip()
    return f"uuid:{uuid}" if uuid else ""


def _groups(form: FormDefinition) -> set[str]:
    return {p.group for p in form.repeats} | {name for kind, name in JSON_GROUPS if kind == form.main.kind}


def _read_csv(text: str, *, where: str) -> list[dict[str, str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise InputError(f"{where}: no filled forms in it (only a header, or empty)")
    return rows


def _central_zip(path: Path, form_id: str | None) -> tuple[FormDefinition, list[tuple[dict, dict]], dict]:
    with zipfile.ZipFile(path) as archive:
        if sum(i.file_size for i in archive.infolist()) > _MAX_ZIP_BYTES:
            raise InputError(f"{path.name}: the zip unpacks to more than {_MAX_ZIP_BYTES // 2**20} MiB")
        names = {PurePosixPath(n).name: n for n in archive.namelist() if not n.endswith("/")}
        mains = [n[:-4] for n in names if n.endswith(".csv") and n[:-4] in FORMS]
        if form_id is None and len(mains) != 1:
            raise InputError(f"{path.name}: holds no CSV named after one of the forms ({', '.join(FORMS)})")
        form = form_definition(form_id or mains[0])
        main_rows = _read_csv(archive.read(names[f"{form.form_id}.csv"]).decode("utf-8-sig"), where=path.name)
        children: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for group in _groups(form):
            member = names.get(f"{form.form_id}-{group}.csv")
            if member is None:
                continue
            for row in csv.DictReader(io.StringIO(archive.read(member).decode("utf-8-sig"))):
                children.setdefault(row.get("PARENT_KEY", ""), {}).setdefault(group, []).append(_answers(row))
        files = {PurePosixPath(n).name: archive.read(n) for n in archive.namelist() if "/media/" in f"/{n}"}
    pairs = [(row, children.get(row.get("KEY", ""), {})) for row in main_rows]
    return form, pairs, files


def _kobo_json(
    path: Path, payload: Any, form_id: str | None
) -> tuple[FormDefinition, list[tuple[dict, dict]]]:
    results = payload.get("results", payload) if isinstance(payload, dict) else payload
    if not isinstance(results, list) or not results:
        raise InputError(f"{path.name}: no filled forms in it (expected a list or {{'results': [...]}})")
    form = form_definition(form_id or str(results[0].get("_xform_id_string", "")))
    pairs = []
    for entry in results:
        nested = {_name(k): v for k, v in entry.items() if isinstance(v, list) and _name(k) in _groups(form)}
        flat = {k: v for k, v in entry.items() if not isinstance(v, list | dict)}
        pairs.append((flat, {g: [_answers(item) for item in items] for g, items in nested.items()}))
    return form, pairs


def _kobo_geojson(payload: Mapping[str, Any]) -> list[tuple[dict, dict]]:
    pairs: list[tuple[dict, dict]] = []
    for feature in payload.get("features", []):
        row = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            lon, lat, *_ = geometry["coordinates"]
            row["geometry"] = f"{lat} {lon}"
        elif geometry.get("type") == "Polygon":
            row["geometry"] = ";".join(f"{lat} {lon}" for lon, lat, *_ in geometry["coordinates"][0])
        pairs.append((row, {}))
    return pairs


def _pairs(path: Path, form_id: str | None) -> tuple[FormDefinition, list[tuple[dict, dict]], dict]:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _central_zip(path, form_id)
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty")
    if suffix in (".json", ".geojson"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name}: not valid JSON ({exc})") from None
        if isinstance(payload, dict) and payload.get("type") == "FeatureCollection":
            if form_id is None:
                raise InputError(f"{path.name}: a GeoJSON export does not name its form; give the form id")
            return form_definition(form_id), _kobo_geojson(payload), {}
        return (*_kobo_json(path, payload, form_id), {})
    if suffix == ".csv":
        rows = _read_csv(text, where=path.name)
        form = form_definition(form_id or path.stem.split("_-_")[0])
        return form, [(row, {}) for row in rows], {}
    raise InputError(
        f"{path.name}: use an ODK Central CSV zip or a KoboToolbox .json, .geojson or .csv export"
    )


def _records(
    form: FormDefinition, pairs: list[tuple[dict, dict]], where: str, today: date | None
) -> Iterator:
    seen: set[str] = set()
    for n, (row, repeats) in enumerate(pairs, start=1):
        answers = _answers(row)
        instance_id = _instance_id(answers, row)
        if instance_id in seen:
            continue  # the same filled form twice in one export: keep the first
        seen.add(instance_id)
        version = str(row.get("FormVersion") or row.get("__version__") or "")
        photo = str(answers.get("photo") or "").strip() if form.photo else ""
        yield form_records(
            form,
            answers,
            repeats,
            instance_id=instance_id,
            version=version,
            where=f"{where} row {n}",
            today=today,
            attachments=(photo,) if photo else (),
        )


def read_export(path: str | Path, *, form_id: str | None = None, today: date | None = None) -> ExportBatch:
    """Every filled form of an ODK Central or KoboToolbox export, validated; the first bad one raises.

    ``form_id`` names the form when the file does not (a Kobo CSV or GeoJSON export).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        form, pairs, files = _pairs(path, form_id)
    except zipfile.BadZipFile:
        raise InputError(
            f"{path.name}: not a zip file; export the form from ODK Central as CSV zip"
        ) from None
    forms = tuple(_records(form, pairs, path.name, today))
    return ExportBatch(path.name, form.form_id, forms, files)

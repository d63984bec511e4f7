"""Vectorised validation of a frame of records against its entity schema, into a report of every issue.

``validate_frame(frame, "finds", file="finds.csv", aoi=(44.5, 38.3, 50.9, 41.95))`` parses every field of the
schema (``mineaction.domain.schema``), normalises vocabulary terms to their codes and checks ranges, ids,
geometry (type, validity, finite and in-range coordinates, inside the area of interest with a hint when lon and
lat are swapped or a sign is lost), dates (none in the future), and the rules that join fields: a device made
after it was found, more area cancelled, reduced and cleared than was worked, an activity ending before it
started. Each rule is one vectorised pass over the whole frame: a million points validate in seconds.

The result is a ``ValidationReport``: every issue with file, row (1-based data row), field, value, reason, fix
and severity (``error`` or ``warning``), and the normalised frame (schema columns, typed, geometry in EPSG:4326).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import ENTITIES, EntitySchema, Field, entity
from mineaction.domain.vocab import VOCABULARIES, normalize_term

__all__ = ["ISSUE_COLUMNS", "Issue", "ValidationReport", "validate_frame"]

ISSUE_COLUMNS = ("file", "kind", "row", "field", "value", "reason", "fix", "severity")
# Dates that describe a plan rather than an event may lie in the future.
_FUTURE_ALLOWED = frozenset({"target_on"})
_TEXT = pd.StringDtype("pyarrow")
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "si", "sí"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_GEOMETRY_TYPES = {"point": {0}, "line": {1, 5}, "polygon": {3, 6}}
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
AREA_TOLERANCE = 0.05  # share by which cancelled + reduced + cleared may exceed the worked polygon's area


@dataclass(frozen=True)
class Issue:
    """One problem found in one row: where it is, what is wrong and how to fix it."""

    file: str
    kind: str
    row: int
    field: str
    value: str
    reason: str
    fix: str
    severity: str

    def message(self) -> str:
        """The issue as one line: ``finds.csv row 17, geometry = 'POINT (147.2 40)': reason; fix``."""
        value = f" = {self.value!r}" if self.value != "" else ""
        return f"{self.file} row {self.row}, {self.field}{value}: {self.reason}; {self.fix}"


class ValidationReport:
    """Every issue found in a frame (or in several, merged), and the normalised frame when there is one.

    ``frame`` holds the schema's columns, typed, with vocabulary codes; rows with errors are still in it
    (their unparseable values empty) so that ``error_rows`` can pick them out.
    """

    def __init__(self, issues: pd.DataFrame | None = None, frame: pd.DataFrame | None = None) -> None:
        self._issues = issues if issues is not None else pd.DataFrame(columns=list(ISSUE_COLUMNS))
        self.frame = frame

    @classmethod
    def merge(cls, reports: Sequence[ValidationReport]) -> ValidationReport:
        """One report holding the issues of all ``reports`` ordered by row (no frame)."""
        parts = [r._issues for r in reports if len(r._issues)]
        if not parts:
            return cls()
        merged = pd.concat(parts, ignore_index=True).sort_values("row", kind="stable", ignore_index=True)
        return cls(merged)

    def __len__(self) -> int:
        return len(self._issues)

    def _issue_list(self, severity: str | None) -> list[Issue]:
        frame = self._issues if severity is None else self._issues[self._issues["severity"] == severity]
        return [Issue(*values) for values in frame[list(ISSUE_COLUMNS)].itertuples(index=False)]

    @property
    def issues(self) -> list[Issue]:
        return self._issue_list(None)

    @property
    def errors(self) -> list[Issue]:
        return self._issue_list("error")

    @property
    def warnings(self) -> list[Issue]:
        return self._issue_list("warning")

    @property
    def n_errors(self) -> int:
        return int((self._issues["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self._issues["severity"] == "warning").sum())

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.n_errors == 0

    def error_rows(self, kind: str | None = None) -> np.ndarray:
        """Sorted 1-based rows with at least one error (of ``kind`` only, if given)."""
        issues = self._issues[self._issues["severity"] == "error"]
        if kind is not None:
            issues = issues[issues["kind"] == kind]
        return np.unique(issues["row"].to_numpy(dtype=np.int64))

    def to_frame(self) -> pd.DataFrame:
        """The issues as a table with columns ``ISSUE_COLUMNS``."""
        return self._issues.copy()

    def summary(self) -> str:
        """One line: counts, then the first error (or warning) in full."""
        if not len(self._issues):
            return "no issues"
        first = self.errors[:1] or self.warnings[:1]
        counts = f"{self.n_errors:,} error(s), {self.n_warnings:,} warning(s)"
        return f"{counts}; first: {first[0].message()}"


class _Collector:
    """Gathers issues rule by rule as column arrays (no Python object per row)."""

    def __init__(self, file: str, kind: str, rows: np.ndarray) -> None:
        self.file, self.kind, self.rows = file, kind, rows
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, field: str, values: Any, reason: Any, fix: Any,
            severity: str = "error") -> None:
        index = np.flatnonzero(mask)
        if not len(index):
            return
        picked = pd.Series(np.asarray(values, dtype=object)[index], dtype=object)
        text = picked.where(picked.notna(), "").astype(str)

        def column(x: Any) -> Any:
            return np.asarray(x, dtype=object)[index] if isinstance(x, (np.ndarray, pd.Series)) else x

        self.parts.append(pd.DataFrame({
            "file": self.file, "kind": self.kind, "row": self.rows[index], "field": field,
            "value": text.to_numpy(), "reason": column(reason), "fix": column(fix), "severity": severity,
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=list(ISSUE_COLUMNS))
        issues = pd.concat(self.parts, ignore_index=True)
        return issues.sort_values("row", kind="stable", ignore_index=True)[list(ISSUE_COLUMNS)]


# --- fields ------------------------------------------------------------------------------------------------


def _text(raw: pd.Series) -> pd.Series:
    text = raw if raw.dtype == _TEXT else raw.astype(_TEXT)
    text = text.str.strip()
    return text.where(text != "")


def _present(raw: pd.Series) -> np.ndarray:
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        return _text(raw).notna().to_numpy(dtype=bool)
    return raw.notna().to_numpy(dtype=bool)


def _parse_number(f: Field, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    numeric = raw if pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != bool else _text(raw)
    number = pd.to_numeric(numeric, errors="coerce").astype("float64").to_numpy()
    bad = present & ~np.isfinite(number)
    out.add(bad, f.name, raw, f"not a finite {f.type} number", "write a plain number (e.g. 12 or 12.5)")
    if f.type == "int":
        fraction = present & np.isfinite(number) & (np.mod(number, 1) != 0)
        out.add(fraction, f.name, raw, "not a whole number", "write a whole number")
        bad |= fraction
    low = -np.inf if f.minimum is None else f.minimum
    high = np.inf if f.maximum is None else f.maximum
    outside = present & ~bad & ((number < low) | (number > high))
    out.add(outside, f.name, raw, f"out of range ({_num(low)} to {_num(high)})",
            "check the value and its unit")
    number = np.where(bad | outside | ~present, np.nan, number)
    return pd.Series(number).astype("Int64" if f.type == "int" else "Float64")


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}"


def _parse_bool(f: Field, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    lowered = _text(raw).str.lower()
    value = pd.Series(np.where(lowered.isin(_TRUE), True, np.where(lowered.isin(_FALSE), False, None)))
    bad = present & value.isna().to_numpy()
    out.add(bad, f.name, raw, "not a yes/no value", "write true or false")
    return value.astype("boolean")


def _parse_time(f: Field, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw if getattr(raw.dt, "tz", None) is None else raw.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(_text(raw), format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
    parsed = pd.Series(parsed.to_numpy(dtype="datetime64[ms]"))
    bad = present & parsed.isna().to_numpy()
    out.add(bad, f.name, raw, f"not an ISO {'date' if f.type == 'date' else 'date-time'}",
            "write it as YYYY-MM-DD" + (" or YYYY-MM-DDTHH:MM:SS" if f.type == "datetime" else ""))
    return parsed.dt.normalize() if f.type == "date" else parsed


def _parse_json(f: Field, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    def load(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return _BAD

    loaded = pd.Series([load(v) if p else None for v, p in zip(raw.to_numpy(dtype=object), present)],
                       dtype=object)
    bad = loaded.map(lambda v: v is _BAD).to_numpy(dtype=bool)
    out.add(bad, f.name, raw, "not valid JSON", 'write a JSON list or object, e.g. ["HA-000001"]')
    return loaded.where(~bad, None)


_BAD = object()


def _parse_text(f: Field, raw: pd.Series, present: np.ndarray, out: _Collector) -> pd.Series:
    text = _text(raw)
    if f.vocabulary is not None:
        text = _normalise_terms(f, text, out)
    elif f.ref is not None and f.ref in ENTITIES and f.type == "str":
        prefix = ENTITIES[f.ref].prefix
        bad = (text.notna() & ~text.str.fullmatch(rf"{prefix}-\d{{1,12}}").fillna(False)).to_numpy(dtype=bool)
        out.add(bad, f.name, raw, f"not the id of a {ENTITIES[f.ref].label}",
                f"write it as {prefix}-000123 or leave it empty")
        text = text.where(~bad)
    return text


def _normalise_terms(f: Field, text: pd.Series, out: _Collector) -> pd.Series:
    vocabulary = VOCABULARIES[f.vocabulary or ""]
    codes, uniques = pd.factorize(text)
    mapped = np.array([normalize_term(u, vocabulary) for u in uniques], dtype=object)
    known = np.append(mapped, None)[codes]  # code -1 (missing) picks the trailing None
    bad = (codes >= 0) & pd.isna(known)
    out.add(bad, f.name, text, f"not a term of the {f.vocabulary} vocabulary",
            f"use one of: {', '.join(vocabulary)}")
    return pd.Series(known, dtype=_TEXT)


_EMPTY: dict[str, Any] = {"int": "Float64", "float": "Float64", "bool": "boolean", "date": "datetime64[ms]",
                          "datetime": "datetime64[ms]", "json": object, "str": _TEXT}
_PARSERS = {"int": _parse_number, "float": _parse_number, "bool": _parse_bool, "date": _parse_time,
            "datetime": _parse_time, "json": _parse_json, "str": _parse_text}


def _check_fields(schema: EntitySchema, frame: pd.DataFrame, out: _Collector) -> dict[str, pd.Series]:
    n = len(frame)
    parsed: dict[str, pd.Series] = {}
    for f in schema.fields:
        if f.name in frame:
            raw = frame[f.name].reset_index(drop=True)
            present = _present(raw)
        else:
            raw = pd.Series(pd.array([None] * n, dtype=_EMPTY[f.type]))
            present = np.zeros(n, dtype=bool)
        if f.required:
            out.add(~present, f.name, raw, "required value missing", f"fill in {f.name} ({f.help})")
        parsed[f.name] = _PARSERS[f.type](f, raw, present, out)
    _check_ids(schema, parsed["id"], out)
    return parsed


def _check_ids(schema: EntitySchema, ids: pd.Series, out: _Collector) -> None:
    present = ids.notna().to_numpy()
    well_formed = ids.str.fullmatch(rf"{schema.prefix}-\d{{1,12}}").fillna(False).to_numpy(dtype=bool)
    out.add(present & ~well_formed, "id", ids, f"not a readable {schema.label} id",
            f"write it as {schema.prefix}-000123 or leave it empty to have one assigned")
    duplicated = present & ids.duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_row = pd.Series(out.rows[present & ~duplicated], index=ids[present & ~duplicated].to_numpy())
        reasons = "id already used on row " + ids.map(first_row).astype("Int64").astype(str)
        out.add(duplicated, "id", ids, reasons.to_numpy(dtype=object), "give each record its own id")


# --- geometry ----------------------------------------------------------------------------------------------


def _inside(x: np.ndarray, y: np.ndarray, aoi: Sequence[float]) -> np.ndarray:
    west, south, east, north = aoi
    return (x >= west) & (x <= east) & (y >= south) & (y <= north)


def _check_geometry(schema: EntitySchema, frame: pd.DataFrame, out: _Collector,
                    aoi: Sequence[float] | None) -> np.ndarray | None:
    if schema.geometry is None:
        return None
    n = len(frame)
    geoms = np.asarray(frame.geometry, dtype=object) if "geometry" in frame else np.full(n, None, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if schema.geometry_required:
        out.add(missing, "geometry", geoms, f"no geometry; a {schema.label} needs a {schema.geometry}",
                "give coordinates (lon/lat columns, a WKT column or a spatial file)")
    allowed = _GEOMETRY_TYPES.get(schema.geometry)
    type_ids = shapely.get_type_id(geoms)
    wrong = ~missing & (~np.isin(type_ids, list(allowed)) if allowed else np.zeros(n, dtype=bool))
    if wrong.any():
        names = np.vectorize(lambda t: _TYPE_NAMES.get(int(t), "geometry"), otypes=[object])(type_ids)
        out.add(wrong, "geometry", geoms, "a " + names + f", but a {schema.label} needs a {schema.geometry}",
                f"give a {schema.geometry} geometry")
    usable = ~missing & ~wrong
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[index[~np.isfinite(coords).all(axis=1)]] = True
    out.add(usable & nonfinite, "geometry", _wkt(geoms, usable & nonfinite), "a coordinate is empty, NaN or "
            "infinite", "fill in both lon and lat with numbers")
    usable &= ~nonfinite
    _check_ranges(geoms, usable, out, aoi)
    invalid = usable & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = np.full(n, "", dtype=object)
        reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
        out.add(invalid, "geometry", _wkt(geoms, invalid), "invalid geometry: " + reasons,
                "repair it (e.g. QGIS Fix geometries or shapely.make_valid) and import again")
    return geoms


def _wkt(geoms: np.ndarray, mask: np.ndarray) -> np.ndarray:
    text = np.full(len(geoms), "", dtype=object)
    if mask.any():
        text[mask] = shapely.to_wkt(geoms[mask], rounding_precision=6, trim=True)
    return text


def _check_ranges(geoms: np.ndarray, usable: np.ndarray, out: _Collector,
                  aoi: Sequence[float] | None) -> None:
    bounds = shapely.bounds(geoms)
    west, south, east, north = (bounds[:, i] for i in range(4))
    off_world = usable & ((west < -180) | (east > 180) | (south < -90) | (north > 90))
    x, y = (west + east) / 2, (south + north) / 2
    if off_world.any():
        metric = np.abs(np.nan_to_num(bounds)).max(axis=1) > 1000
        swapped = _inside(y, x, (-180, -90, 180, 90))
        fix = np.where(metric, "these look like metric coordinates: declare the file's CRS (--crs, e.g. "
                       "EPSG:32638, or crs: in the mapping)",
                       np.where(swapped, "lon and lat look swapped: swap the columns", "check the coordinates"))
        out.add(off_world, "geometry", _wkt(geoms, off_world),
                "coordinates outside lon -180 to 180, lat -90 to 90 (WGS84)", fix)
    if aoi is None:
        return
    w, s, e, n = aoi
    outside = usable & ~off_world & ((east < w) | (west > e) | (north < s) | (south > n))
    if outside.any():
        fix = np.select(
            [_inside(y, x, aoi), _inside(-x, y, aoi), _inside(x, -y, aoi), _inside(-y, -x, aoi)],
            ["lon and lat look swapped: swap the columns", "the longitude's sign looks wrong: flip it",
             "the latitude's sign looks wrong: flip it", "lon and lat look swapped and negated"],
            "check the coordinates and the declared CRS")
        out.add(outside, "geometry", _wkt(geoms, outside),
                f"outside the area of interest (lon {w:g} to {e:g}, lat {s:g} to {n:g})", fix)


# --- rules across fields -----------------------------------------------------------------------------------


def _check_dates(schema: EntitySchema, parsed: dict[str, pd.Series], out: _Collector, today: date) -> None:
    end_of_today = np.datetime64(today, "ms") + np.timedelta64(1, "D")
    for f in schema.fields:
        if f.type in ("date", "datetime") and f.name not in _FUTURE_ALLOWED:
            values = parsed[f.name].to_numpy(dtype="datetime64[ms]")
            future = ~np.isnat(values) & (values >= end_of_today)
            out.add(future, f.name, parsed[f.name].astype(str), f"lies after today ({today.isoformat()})",
                    "check the year; dates in the future are not allowed")
    if schema.kind == "finds":
        found_year = parsed["found_on"].dt.year.astype("Float64")
        late = (parsed["manufacture_year"].astype("Float64") > found_year).fillna(False).to_numpy(dtype=bool)
        out.add(late, "manufacture_year", parsed["manufacture_year"], "after the year the device was found",
                "check manufacture_year and found_on")
    if "started_on" in parsed and "ended_on" in parsed:
        early = (parsed["ended_on"] < parsed["started_on"]).fillna(False).to_numpy(dtype=bool)
        out.add(early, "ended_on", parsed["ended_on"].astype(str), "before started_on",
                "check both dates (ended_on is the last day of work)")


def _check_worked_area(parsed: dict[str, pd.Series], geoms: np.ndarray | None, out: _Collector,
                       metric_crs: str) -> None:
    if geoms is None or not {"cancelled_m2", "reduced_m2", "cleared_m2"} <= set(parsed):
        return
    claimed = sum(parsed[c].fillna(0).to_numpy(dtype=float) for c in ("cancelled_m2", "reduced_m2", "cleared_m2"))
    polygons = np.isin(shapely.get_type_id(geoms), [3, 6]) & shapely.is_valid(geoms) & (claimed > 0)
    if not polygons.any():
        return
    import geopandas as gpd

    series = gpd.GeoSeries(geoms[polygons], crs="EPSG:4326")
    crs = series.estimate_utm_crs() if metric_crs == "auto" else metric_crs
    area = np.zeros(len(geoms))
    area[polygons] = series.to_crs(crs).area.to_numpy()
    too_much = polygons & (claimed > area * (1 + AREA_TOLERANCE))
    out.add(too_much, "cleared_m2", pd.Series(claimed).round(1),
            "cancelled + reduced + cleared m2 exceeds the worked polygon's area (" +
            pd.Series(area).round(0).astype(str) + f" m2 in {crs}, 5 % tolerance)",
            "check the areas (m2, not ha) and the polygon")


def _check_duplicates(parsed: dict[str, pd.Series], geoms: np.ndarray | None, out: _Collector) -> None:
    no_id = parsed["id"].isna().to_numpy()
    if no_id.sum() < 2:
        return
    columns = {name: (col.map(_json_text) if col.dtype == object else col) for name, col in parsed.items()
               if name not in ("id", "recorded_at")}
    if geoms is not None:
        if (shapely.get_type_id(geoms) == 0).all():
            columns["_x"], columns["_y"] = pd.Series(shapely.get_x(geoms)), pd.Series(shapely.get_y(geoms))
        else:
            columns["_wkb"] = pd.Series(shapely.to_wkb(geoms), dtype=object)
    hashes = pd.util.hash_pandas_object(pd.DataFrame(columns)[no_id], index=False)
    duplicated = np.zeros(len(no_id), dtype=bool)
    duplicated[no_id] = hashes.duplicated(keep="first").to_numpy()
    out.add(duplicated, "row", np.full(len(no_id), "", dtype=object), "exact duplicate of an earlier row "
            "without an id", "kept as given; the store keeps one record per content", severity="warning")


def _json_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def validate_frame(frame: pd.DataFrame, kind: str | EntitySchema, *, file: str = "<frame>",
                   rows: Sequence[int] | np.ndarray | None = None, aoi: Sequence[float] | None = None,
                   today: date | None = None, metric_crs: str = "EPSG:32638") -> ValidationReport:
    """Validate and normalise ``frame`` as records of ``kind``.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Columns named as the schema's fields (others are ignored); geometry, if any, in EPSG:4326.
    kind : str or EntitySchema
        Kind of record, e.g. ``"finds"``.
    file : str
        Name used in the issues (the file the rows came from).
    rows : sequence of int, optional
        1-based row numbers of the frame's rows in that file (default 1 to n).
    aoi : (west, south, east, north), optional
        Area of interest in degrees (WGS84); geometries entirely outside it are errors.
    today : date, optional
        Dates after this day are errors (default: today, UTC).
    metric_crs : str
        CRS in which worked areas are measured, m2 (default UTM 38N, EPSG:32638; ``"auto"`` for the UTM zone
        of the data).

    Returns
    -------
    ValidationReport
        Issues, and ``frame``: the normalised records (a GeoDataFrame in EPSG:4326 for kinds with geometry).
    """
    schema = entity(kind) if isinstance(kind, str) else kind
    row_numbers = np.arange(1, len(frame) + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    out = _Collector(file, schema.kind, row_numbers)
    parsed = _check_fields(schema, frame, out)
    geoms = _check_geometry(schema, frame, out, aoi)
    _check_dates(schema, parsed, out, today or pd.Timestamp.now(tz="UTC").date())
    _check_worked_area(parsed, geoms, out, metric_crs)
    _check_duplicates(parsed, geoms, out)
    records: pd.DataFrame = pd.DataFrame(parsed)
    if geoms is not None:
        import geopandas as gpd

        records = gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return ValidationReport(out.frame(), frame=records)

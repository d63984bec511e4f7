"""Vectorised validation of a frame of records against its entity schema, into a report of every issue.

``validate_frame(frame, "finds", file="finds.csv", aoi=(44.5, 38.3, 50.9, 41.95))`` parses every field of the
schema (``mineaction.domain.schema``), normalises vocabulary terms to their codes and checks ranges, ids,
geometry (type, validity, finite and in-range coordinates, inside the area of interest with a hint when lon
and lat are swapped or a sign is lost), dates (none in the future), and the rules that join fields: a
device made after it was found, more area cancelled, reduced and cleared than was worked, an activity ending
before it started, and those of the people-centred kinds (``validate_people``: risk education audiences,
survivors' needs and services). Each rule is one vectorised pass over the whole frame: a million points
validate in seconds.

The result is a ``ValidationReport``: every issue with file, row (1-based data row), field, value, reason, fix
and severity (``error`` or ``warning``), and the normalised frame (schema columns, typed, geometry in
EPSG:4326).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from mineaction.domain.issues import ISSUE_COLUMNS, Issue, IssueCollector, ValidationReport
from mineaction.domain.schema import ENTITIES, PLANNED_DATE_FIELDS, EntitySchema, Field, entity
from mineaction.domain.validate_geometry import check_geometry, check_worked_area
from mineaction.domain.validate_people import check_people_rules, parse_term_list
from mineaction.domain.vocab import VOCABULARIES, normalize_term

__all__ = ["ISSUE_COLUMNS", "Issue", "ValidationReport", "validate_frame"]

_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # the dtype CSV and Arrow reads give: no copies
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "si", "sí"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


# --- fields ------------------------------------------------------------------------------------------------


def _text(raw: pd.Series) -> pd.Series:
    if raw.attrs.get(_CLEAN):
        return raw
    text = raw if raw.dtype == _TEXT else raw.astype(_TEXT)
    # copy only when something changes: most columns of a clean file have no padding and no empty strings
    padded = pc.match_substring_regex(pa.chunked_array(pa.array(text.array)), r"^\s|\s$")  # RE2, no loop
    if pc.any(padded).as_py():
        text = text.str.strip()
    blank = text == ""
    text = text.where(~blank) if blank.any() else text.copy(deep=False)
    text.attrs[_CLEAN] = True
    return text


_CLEAN = "mineaction_clean_text"


def _holds_text(raw: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return True
    # object columns: only those holding some text need the (costly) conversion; dates and numbers do not
    return raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) not in _NOT_TEXT


_NOT_TEXT = {"date", "datetime", "datetime64", "integer", "floating", "boolean", "empty", "decimal"}


def _present(raw: pd.Series) -> np.ndarray:
    if _holds_text(raw):
        return _text(raw).notna().to_numpy(dtype=bool)
    return raw.notna().to_numpy(dtype=bool)


def _parse_number(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
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
    out.add(
        outside, f.name, raw, f"out of range ({_num(low)} to {_num(high)})", "check the value and its unit"
    )
    number = np.where(bad | outside | ~present, np.nan, number)
    return pd.Series(number).astype("Int64" if f.type == "int" else "Float64")


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}"


def _parse_bool(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
    lowered = _text(raw).str.lower()
    true = lowered.isin(_TRUE).to_numpy(dtype=bool)
    unknown = ~(true | lowered.isin(_FALSE).to_numpy(dtype=bool))
    value = pd.Series(pd.arrays.BooleanArray(true, unknown))
    bad = present & unknown
    out.add(bad, f.name, raw, "not a yes/no value", "write true or false")
    return value.astype("boolean")


def _parse_time(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw if getattr(raw.dt, "tz", None) is None else raw.dt.tz_convert("UTC").dt.tz_localize(None)
    elif raw.dtype == object and isinstance(raw[np.argmax(present)], (date, datetime)):
        parsed = pd.to_datetime(raw, errors="coerce", utc=True).dt.tz_localize(
            None
        )  # a reader's date objects
    else:
        parsed = pd.to_datetime(_text(raw), format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
    parsed = pd.Series(parsed.to_numpy(dtype="datetime64[ms]"))
    bad = present & parsed.isna().to_numpy()
    out.add(
        bad,
        f.name,
        raw,
        f"not an ISO {'date' if f.type == 'date' else 'date-time'}",
        "write it as YYYY-MM-DD" + (" or YYYY-MM-DDTHH:MM:SS" if f.type == "datetime" else ""),
    )
    return parsed.dt.normalize() if f.type == "date" else parsed


def _parse_json(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
    def load(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return _BAD

    loaded = pd.Series(
        [load(v) if p else None for v, p in zip(raw.to_numpy(dtype=object), present, strict=True)],
        dtype=object,
    )
    bad = loaded.map(lambda v: v is _BAD).to_numpy(dtype=bool)
    out.add(bad, f.name, raw, "not valid JSON", 'write a JSON list or object, e.g. ["HA-000001"]')
    return loaded.where(~bad, None)


_BAD = object()


def _parse_text(f: Field, raw: pd.Series, present: np.ndarray, out: IssueCollector) -> pd.Series:
    text = _text(raw)
    if f.vocabulary is not None:
        text = _normalise_terms(f, text, out)
    elif f.ref is not None and f.ref in ENTITIES and f.type == "str":
        prefix = ENTITIES[f.ref].prefix
        bad = (text.notna() & ~text.str.fullmatch(rf"{prefix}-\d{{1,12}}").fillna(False)).to_numpy(dtype=bool)
        out.add(
            bad,
            f.name,
            raw,
            f"not the id of a {ENTITIES[f.ref].label}",
            f"write it as {prefix}-000123 or leave it empty",
        )
        text = text.where(~bad)
    return text


def _normalise_terms(f: Field, text: pd.Series, out: IssueCollector) -> pd.Series:
    vocabulary = VOCABULARIES[f.vocabulary or ""]
    codes, uniques = pd.factorize(text)
    mapped = pd.array([normalize_term(u, vocabulary) for u in uniques], dtype=_TEXT)
    known = mapped.take(codes, allow_fill=True)  # code -1 (missing) gives a missing value
    bad = (codes >= 0) & pd.isna(known)
    out.add(
        bad,
        f.name,
        text,
        f"not a term of the {f.vocabulary} vocabulary",
        f"use one of: {', '.join(vocabulary)}",
    )
    return pd.Series(known)


def _empty(field_type: str, n: int) -> pd.Series:
    """An all-missing column of the type's parsed dtype, built without touching n Python objects."""
    nothing = np.ones(n, dtype=bool)
    if field_type == "str":
        return pd.Series(pa.nulls(n, pa.large_string()), dtype=_TEXT)
    if field_type == "int":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), nothing))
    if field_type == "float":
        return pd.Series(pd.arrays.FloatingArray(np.zeros(n), nothing))
    if field_type == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), nothing))
    if field_type in ("date", "datetime"):
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ms]"))
    return pd.Series([None] * n, dtype=object)


_PARSERS = {
    "int": _parse_number,
    "float": _parse_number,
    "bool": _parse_bool,
    "date": _parse_time,
    "datetime": _parse_time,
    "json": _parse_json,
    "str": _parse_text,
}


def _check_fields(schema: EntitySchema, frame: pd.DataFrame, out: IssueCollector) -> dict[str, pd.Series]:
    n = len(frame)
    parsed: dict[str, pd.Series] = {}
    for f in schema.fields:
        raw = frame[f.name].reset_index(drop=True) if f.name in frame else None
        if raw is not None and f.type != "json" and _holds_text(raw):
            raw = _text(raw)  # cleaned once here; the parsers' own _text is then a quick no-op pass
        present = _present(raw) if raw is not None else np.zeros(n, dtype=bool)
        if f.required:
            out.add(
                ~present,
                f.name,
                raw if raw is not None else np.full(n, ""),
                "required value missing",
                f"fill in {f.name} ({f.help})",
            )
        if raw is None or not present.any():
            parsed[f.name] = _empty(f.type, n)
        elif f.type == "json" and f.vocabulary is not None:
            parsed[f.name] = parse_term_list(f, raw, present, out)
        else:
            parsed[f.name] = _PARSERS[f.type](f, raw, present, out)
    _check_ids(schema, parsed["id"], out)
    return parsed


def _check_ids(schema: EntitySchema, ids: pd.Series, out: IssueCollector) -> None:
    present = ids.notna().to_numpy()
    well_formed = ids.str.fullmatch(rf"{schema.prefix}-\d{{1,12}}").fillna(False).to_numpy(dtype=bool)
    out.add(
        present & ~well_formed,
        "id",
        ids,
        f"not a readable {schema.label} id",
        f"write it as {schema.prefix}-000123 or leave it empty to have one assigned",
    )
    duplicated = present & ids.duplicated(keep="first").to_numpy()
    if duplicated.any():
        first_row = pd.Series(out.rows[present & ~duplicated], index=ids[present & ~duplicated].to_numpy())
        reasons = "id already used on row " + ids.map(first_row).astype("Int64").astype(str)
        out.add(duplicated, "id", ids, reasons.to_numpy(dtype=object), "give each record its own id")


# --- rules across fields -----------------------------------------------------------------------------------


def _check_dates(
    schema: EntitySchema, parsed: dict[str, pd.Series], out: IssueCollector, today: date
) -> None:
    end_of_today = np.datetime64(today, "ms") + np.timedelta64(1, "D")
    for f in schema.fields:
        if f.type in ("date", "datetime") and f.name not in PLANNED_DATE_FIELDS:
            values = parsed[f.name].to_numpy(dtype="datetime64[ms]")
            future = ~np.isnat(values) & (values >= end_of_today)
            out.add(
                future,
                f.name,
                parsed[f.name],
                f"lies after today ({today.isoformat()})",
                "check the year; dates in the future are not allowed",
            )
    if schema.kind == "finds":
        found_year = parsed["found_on"].dt.year.astype("Float64")
        late = (parsed["manufacture_year"].astype("Float64") > found_year).fillna(False).to_numpy(dtype=bool)
        out.add(
            late,
            "manufacture_year",
            parsed["manufacture_year"],
            "after the year the device was found",
            "check manufacture_year and found_on",
        )
    if "started_on" in parsed and "ended_on" in parsed:
        early = (parsed["ended_on"] < parsed["started_on"]).fillna(False).to_numpy(dtype=bool)
        out.add(
            early,
            "ended_on",
            parsed["ended_on"],
            "before started_on",
            "check both dates (ended_on is the last day of work)",
        )


def _check_duplicates(parsed: dict[str, pd.Series], geoms: np.ndarray | None, out: IssueCollector) -> None:
    no_id = parsed["id"].isna().to_numpy()
    if no_id.sum() < 2:
        return
    # every column is hashed through its factorized codes (fast for Arrow strings, masked numbers, dates)
    columns = [
        col.map(_json_text) if col.dtype == object else col
        for name, col in parsed.items()
        if name not in ("id", "recorded_at")
    ]
    if geoms is not None:
        if (shapely.get_type_id(geoms) == 0).all():
            columns += [pd.Series(shapely.get_x(geoms)), pd.Series(shapely.get_y(geoms))]
        else:
            columns.append(pd.Series(shapely.to_wkb(geoms), dtype=object))
    combined = np.zeros(int(no_id.sum()), dtype=np.uint64)
    for column in columns:
        if column.isna().all():
            continue
        codes = pd.factorize(column[no_id])[0]
        combined = combined * np.uint64(1_000_003) ^ pd.util.hash_array(codes)
    hashes = pd.Series(combined)
    duplicated = np.zeros(len(no_id), dtype=bool)
    duplicated[no_id] = hashes.duplicated(keep="first").to_numpy()
    out.add(
        duplicated,
        "row",
        np.full(len(no_id), "", dtype=object),
        "exact duplicate of an earlier row without an id",
        "kept as a record of its own (a repeated report); give ids to merge or tell them apart",
        severity="warning",
    )


def _json_text(value: Any) -> Any:
    return (
        value if value is None or isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    )


def validate_frame(
    frame: pd.DataFrame,
    kind: str | EntitySchema,
    *,
    file: str = "<frame>",
    rows: Sequence[int] | np.ndarray | None = None,
    aoi: Sequence[float] | None = None,
    today: date | None = None,
    metric_crs: str = "EPSG:32638",
) -> ValidationReport:
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
    out = IssueCollector(file, schema.kind, row_numbers)
    parsed = _check_fields(schema, frame, out)
    geoms = check_geometry(schema, frame, out, aoi)
    _check_dates(schema, parsed, out, today or pd.Timestamp.now(tz="UTC").date())
    check_worked_area(parsed, geoms, out, metric_crs)
    check_people_rules(schema, parsed, out)
    _check_duplicates(parsed, geoms, out)
    records: pd.DataFrame = pd.DataFrame(parsed)
    if geoms is not None:
        import geopandas as gpd

        records = gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return ValidationReport(out.frame(), frame=records, rows=row_numbers)

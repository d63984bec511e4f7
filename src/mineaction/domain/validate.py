"""Vectorised validation of a frame of records against its entity schema, into a report of every issue.

``validate_frame(frame, "finds", file="finds.csv", aoi=(44.5, 38.3, 50.9, 41.95))`` parses every field of the
schema (``mineaction.domain.schema``) with the one parser of its type (``mineaction.domain.fields``),
normalises vocabulary terms to their codes and checks ranges, ids and source references, geometry (type,
validity, finite and in-range coordinates, inside the area of interest with a hint when lon and lat are
swapped or a sign is lost), dates (none before 1900, none in the future), and the rules that join fields
(``mineaction.domain.validate_rules``; for the people-centred kinds, ``mineaction.domain.validate_people``:
risk education audiences, survivors' needs and services). Each rule is one vectorised pass over the whole
frame: a million points validate in seconds.

The result is a ``ValidationReport``: every issue with file, row (1-based data row), field, value, reason, fix
and severity (``error`` or ``warning``), and the normalised frame (schema columns in the canonical dtypes of
``FIELD_DTYPES``, geometry in EPSG:4326), sealed (``mineaction.domain.seal``) so that a store writes it
without checking it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from mineaction.domain.fields import FIELD_DTYPES, Parsed, empty_column, parse_values
from mineaction.domain.issues import ISSUE_COLUMNS, Issue, IssueCollector, ValidationReport
from mineaction.domain.schema import ENTITIES, EntitySchema, Field, entity
from mineaction.domain.seal import seal_frame
from mineaction.domain.validate_geometry import check_geometry, check_worked_area
from mineaction.domain.validate_people import check_people_rules, parse_term_list
from mineaction.domain.validate_rules import check_dates, check_duplicates, check_ids
from mineaction.domain.vocab import VOCABULARIES, normalize_term

__all__ = ["ISSUE_COLUMNS", "Issue", "ValidationReport", "validate_frame"]

# what a value that the type's parser cannot read is told: reason, fix
_UNREADABLE = {
    "int": ("not a whole number", "write a whole number (e.g. 12)"),
    "float": ("not a finite number", "write a plain number (e.g. 12 or 12.5)"),
    "bool": ("not a yes/no value", "write true or false"),
    "date": ("not an ISO date", "write it as YYYY-MM-DD"),
    "datetime": ("not an ISO date-time", "write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"),
    "json": ("not valid JSON", 'write a JSON list or object, e.g. ["HA-000001"]'),
}


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:g}"


def _check_numbers(f: Field, raw: pd.Series, parsed: Parsed, out: IssueCollector) -> pd.Series:
    """Numbers that are no numbers (or not whole, for int fields), then numbers outside the field's range."""
    number = parsed.numbers if parsed.numbers is not None else np.full(len(raw), np.nan)
    readable = np.isfinite(number) & ((np.mod(number, 1) == 0) if f.type == "int" else True)
    reason, fix = _UNREADABLE[f.type]
    out.add(parsed.present & ~readable, f.name, raw, reason, fix)
    low = -np.inf if f.minimum is None else f.minimum
    high = np.inf if f.maximum is None else f.maximum
    outside = parsed.present & readable & ((number < low) | (number > high) | parsed.bad)
    out.add(
        outside, f.name, raw, f"out of range ({_num(low)} to {_num(high)})", "check the value and its unit"
    )
    return parsed.values.mask(pd.Series(outside)) if outside.any() else parsed.values


def _normalise_terms(f: Field, text: pd.Series, out: IssueCollector) -> pd.Series:
    vocabulary = VOCABULARIES[f.vocabulary or ""]
    codes, uniques = pd.factorize(text)
    mapped = pd.array([normalize_term(u, vocabulary) for u in uniques], dtype=FIELD_DTYPES["str"])
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


def _check_reference(f: Field, text: pd.Series, out: IssueCollector) -> pd.Series:
    if f.ref is None or f.ref not in ENTITIES or f.type != "str":
        return text
    prefix = ENTITIES[f.ref].prefix
    bad = (text.notna() & ~text.str.fullmatch(rf"{prefix}-\d{{1,12}}").fillna(False)).to_numpy(dtype=bool)
    out.add(
        bad,
        f.name,
        text,
        f"not the id of a {ENTITIES[f.ref].label}",
        f"write it as {prefix}-000123 or leave it empty",
    )
    return text.where(~bad)


def _term_list(f: Field, raw: pd.Series, out: IssueCollector) -> pd.Series:
    """A JSON field with a vocabulary: lists of codes (``parse_term_list`` reads lists and separated text)."""
    values = raw.to_numpy(dtype=object)
    blank = np.fromiter((isinstance(v, str) and not v.strip() for v in values), dtype=bool, count=len(values))
    present = raw.notna().to_numpy(dtype=bool) & ~blank
    if f.required:
        out.add(~present, f.name, raw, "required value missing", f"fill in {f.name} ({f.help})")
    return parse_term_list(f, raw, present, out)


def _check_field(f: Field, raw: pd.Series | None, n: int, out: IssueCollector) -> pd.Series:
    if raw is not None and f.type == "json" and f.vocabulary is not None:
        return _term_list(f, raw, out)
    if raw is None:
        values, present = empty_column(f.type, n), np.zeros(n, dtype=bool)
    else:
        parsed = parse_values(f.type, raw)
        values, present = parsed.values, parsed.present
        if f.type in ("int", "float"):
            values = _check_numbers(f, raw, parsed, out)
        elif parsed.bad.any():
            reason, fix = _UNREADABLE[f.type]
            out.add(parsed.bad, f.name, raw, reason, fix)
    if f.required:
        out.add(
            ~present,
            f.name,
            raw if raw is not None else np.full(n, ""),
            "required value missing",
            f"fill in {f.name} ({f.help})",
        )
    if raw is None or not present.any():
        return values
    if f.type == "str" and f.vocabulary is not None:
        return _normalise_terms(f, values, out)
    if f.type == "str":
        return _check_reference(f, values, out)
    return values


def _check_fields(schema: EntitySchema, frame: pd.DataFrame, out: IssueCollector) -> dict[str, pd.Series]:
    parsed: dict[str, pd.Series] = {}
    for f in schema.fields:
        raw = frame[f.name].reset_index(drop=True) if f.name in frame else None
        parsed[f.name] = _check_field(f, raw, len(frame), out)
    check_ids(schema, parsed, out)
    return parsed


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
        Issues, and ``frame``: the normalised records (a GeoDataFrame in EPSG:4326 for kinds with geometry),
        sealed for a store's write (see ``mineaction.domain.seal``).
    """
    schema = entity(kind) if isinstance(kind, str) else kind
    today = today or pd.Timestamp.now(tz="UTC").date()
    row_numbers = np.arange(1, len(frame) + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    out = IssueCollector(file, schema.kind, row_numbers)
    parsed = _check_fields(schema, frame, out)
    geoms = check_geometry(schema, frame, out, aoi)
    check_dates(schema, parsed, out, today)
    check_worked_area(parsed, geoms, out, metric_crs)
    check_people_rules(schema, parsed, out)
    check_duplicates(parsed, geoms, out)
    records: pd.DataFrame = pd.DataFrame(parsed)
    if geoms is not None:
        import geopandas as gpd

        records = gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    report = ValidationReport(out.frame(), frame=records, rows=row_numbers)
    seal_frame(records, kind=schema.kind, aoi=aoi, today=today, metric_crs=metric_crs, clean=report.ok)
    report.seal_context = {"kind": schema.kind, "aoi": aoi, "today": today, "metric_crs": metric_crs}
    return report

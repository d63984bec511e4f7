"""Rules of validation across fields and rows: ids and source references, plausible dates, repeated rows.

Used by ``mineaction.domain.validate.validate_frame`` on the parsed columns; each rule is one vectorised pass.

- **Ids**: an ``id`` of the kind's readable form (``EO-000123``) is ours and must be unique in the frame; one
  with another kind's prefix is an error; any other text (``OP-ABC-17``, an older database's number) is the
  source system's own id and becomes the row's ``source_ref``. A ``source_ref`` is unique per ``source``.
- **Dates**: none before ``EARLIEST_DATE`` (1900-01-01); none after today, except planned dates (an asset's
  ``target_on``), which may lie up to ``LATEST_PLANNED_DATE``; a device not made after the year it was found;
  an activity not ending before it started.
- **Repeated rows**: a row without id or source reference that repeats an earlier row exactly is a warning
  (kept: a repeated report is a record of its own).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely

from mineaction.domain.fields import EARLIEST_DATE, LATEST_PLANNED_DATE
from mineaction.domain.issues import IssueCollector
from mineaction.domain.schema import ENTITIES, PLANNED_DATE_FIELDS, EntitySchema

__all__ = ["check_dates", "check_duplicates", "check_ids"]

_PREFIXES = "|".join(sorted({s.prefix for s in ENTITIES.values()}))


def check_ids(schema: EntitySchema, parsed: dict[str, pd.Series], out: IssueCollector) -> None:
    """Check ids (moving another system's ids to ``source_ref``) and source references, in ``parsed``."""
    ids = parsed["id"]
    present = ids.notna().to_numpy()
    ours = ids.str.fullmatch(rf"{schema.prefix}-\d{{1,12}}").fillna(False).to_numpy(dtype=bool)
    other_kind = ids.str.fullmatch(rf"(?:{_PREFIXES})-\d{{1,12}}").fillna(False).to_numpy(dtype=bool)
    out.add(
        present & other_kind & ~ours,
        "id",
        ids,
        f"not a readable {schema.label} id (another kind's prefix)",
        f"write it as {schema.prefix}-000123 or leave it empty to have one assigned",
    )
    if "source_ref" in parsed:
        _take_foreign_ids(parsed, present & ~other_kind, out)
    ids = parsed["id"]
    present = ids.notna().to_numpy()
    _flag_repeats(ids, present, "id", "id already used on row ", "give each record its own id", out)
    if "source_ref" in parsed:
        refs = parsed["source_ref"]
        keys = parsed["source"].fillna("").astype(str) + "\u001f" + refs.fillna("").astype(str)
        _flag_repeats(
            keys,
            refs.notna().to_numpy(),
            "source_ref",
            "source_ref already used (same source) on row ",
            "give each record its own reference, or leave source_ref empty",
            out,
            shown=refs,
        )


def _take_foreign_ids(parsed: dict[str, pd.Series], foreign: np.ndarray, out: IssueCollector) -> None:
    """Another system's ids become ``source_ref`` (our readable ids stay ours); both given and different is an
    error."""
    if not foreign.any():
        return
    ids, refs = parsed["id"], parsed["source_ref"]
    clash = foreign & refs.notna().to_numpy() & (refs != ids).fillna(True).to_numpy(dtype=bool)
    out.add(
        clash,
        "id",
        ids,
        "not a readable id, and source_ref gives another reference",
        "keep the other system's id in source_ref only, and leave id empty (or give ours, e.g. "
        f"{ENTITIES[out.kind].prefix}-000123)",
    )
    moving = foreign & ~clash
    parsed["source_ref"] = refs.mask(pd.Series(moving), ids)
    parsed["id"] = ids.mask(pd.Series(foreign))


def _flag_repeats(
    keys: pd.Series,
    present: np.ndarray,
    field: str,
    reason: str,
    fix: str,
    out: IssueCollector,
    *,
    shown: pd.Series | None = None,
) -> None:
    duplicated = present & keys.duplicated(keep="first").to_numpy()
    if not duplicated.any():
        return
    first = present & ~duplicated
    first_row = pd.Series(out.rows[first], index=keys[first].to_numpy())
    reasons = reason + keys.map(first_row).astype("Int64").astype(str)
    out.add(duplicated, field, keys if shown is None else shown, reasons.to_numpy(dtype=object), fix)


def _naive(values: pd.Series) -> np.ndarray:
    """datetime64[us] values (UTC for instants) of a parsed date or date-time column."""
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return np.asarray(values.to_numpy(dtype="datetime64[us]"))


def check_dates(schema: EntitySchema, parsed: dict[str, pd.Series], out: IssueCollector, today: date) -> None:
    """Dates within their plausible range, and the rules that join two dates."""
    end_of_today = np.datetime64(today, "us") + np.timedelta64(1, "D")
    earliest = np.datetime64(EARLIEST_DATE, "us")
    latest_planned = np.datetime64(LATEST_PLANNED_DATE, "us") + np.timedelta64(1, "D")
    for f in schema.fields:
        if f.type not in ("date", "datetime"):
            continue
        values = _naive(parsed[f.name])
        known = ~np.isnat(values)
        early = known & (values < earliest)
        out.add(
            early,
            f.name,
            parsed[f.name],
            f"lies before {EARLIEST_DATE.isoformat()}",
            "check the year (a date before 1900 is not plausible here)",
        )
        planned = f.name in PLANNED_DATE_FIELDS
        late = known & (values >= (latest_planned if planned else end_of_today))
        out.add(
            late,
            f.name,
            parsed[f.name],
            f"lies after {LATEST_PLANNED_DATE.isoformat()}" if planned else f"lies after today ({today})",
            "check the year" if planned else "check the year; dates in the future are not allowed",
        )
        if (early | late).any():
            parsed[f.name] = parsed[f.name].mask(pd.Series(early | late))
    _check_date_order(schema, parsed, out)


def _check_date_order(schema: EntitySchema, parsed: dict[str, pd.Series], out: IssueCollector) -> None:
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


def check_duplicates(parsed: dict[str, pd.Series], geoms: np.ndarray | None, out: IssueCollector) -> None:
    """Warn about rows without id or source reference that repeat an earlier such row exactly."""
    anonymous = parsed["id"].isna().to_numpy()
    if "source_ref" in parsed:
        anonymous = anonymous & parsed["source_ref"].isna().to_numpy()
    if anonymous.sum() < 2:
        return
    # every column is hashed through its factorized codes (fast for Arrow strings, masked numbers, dates)
    columns = [
        col.map(_json_text) if col.dtype == object else col
        for name, col in parsed.items()
        if name not in ("id", "recorded_at", "source_ref")
    ]
    if geoms is not None:
        if (shapely.get_type_id(geoms) == 0).all():
            columns += [pd.Series(shapely.get_x(geoms)), pd.Series(shapely.get_y(geoms))]
        else:
            columns.append(pd.Series(shapely.to_wkb(geoms), dtype=object))
    combined = np.zeros(int(anonymous.sum()), dtype=np.uint64)
    for column in columns:
        if column.isna().all():
            continue
        codes = pd.factorize(column[anonymous])[0]
        combined = combined * np.uint64(1_000_003) ^ pd.util.hash_array(codes)
    duplicated = np.zeros(len(anonymous), dtype=bool)
    duplicated[anonymous] = pd.Series(combined).duplicated(keep="first").to_numpy()
    out.add(
        duplicated,
        "row",
        np.full(len(anonymous), "", dtype=object),
        "exact duplicate of an earlier row without an id",
        "kept as a record of its own (a repeated report); give ids to merge or tell them apart",
        severity="warning",
    )


def _json_text(value: Any) -> Any:
    return (
        value if value is None or isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    )

"""YAML column mappings: how the columns of someone else's export become mineaction records of several kinds.

A mapping file (see docs/import.md and examples/mappings/) says, per kind of record, which rows of the file
belong to it (``where``), which column fills which field (``columns``: field -> column), constant values
(``values``), value maps (``maps``: e.g. "Accidente por MAP" -> AP), dates built from a year column
(``dates``), and for polygon kinds, a radius that turns point reports into small polygons (``buffer_m``).
Top-level keys give the coordinate columns (``lon``, ``lat`` or ``wkt``), the CRS (``crs``), a GeoPackage
``layer`` and ``defaults`` shared by every kind. Fields not mentioned are taken from a column of the same
name, if any.

``apply_mapping`` is vectorised: each rule is one pandas operation over the whole file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from mineaction.domain.schema import ENTITIES, entity
from mineaction.errors import MappingError

__all__ = [
    "ROW_COLUMN",
    "ColumnMapping",
    "KindMapping",
    "ValueMap",
    "apply_mapping",
    "check_columns",
    "identity_mapping",
    "load_mapping",
]

ROW_COLUMN = "_row"  # 1-based data row of the source file, carried through mapping and validation
_KIND_KEYS = {"where", "columns", "values", "maps", "dates", "buffer_m"}
_TOP_KEYS = {"name", "description", "crs", "lon", "lat", "wkt", "layer", "encoding", "defaults", "kinds"}


@dataclass(frozen=True)
class ValueMap:
    """Values of ``column`` translated through ``values``; unmapped values become ``default`` (or stay)."""

    column: str
    values: Mapping[str, Any]
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True)
class KindMapping:
    """How rows of the file become records of one ``kind``."""

    kind: str
    where: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    maps: Mapping[str, ValueMap] = field(default_factory=dict)
    dates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    buffer_m: float | None = None

    def source_columns(self) -> set[str]:
        """Every column of the file this mapping reads."""
        used = set(self.where) | set(self.columns.values()) | {m.column for m in self.maps.values()}
        return used | {str(d["year"]) for d in self.dates.values()}


@dataclass(frozen=True)
class ColumnMapping:
    """A whole mapping file: coordinate columns, CRS, and one ``KindMapping`` per kind of record."""

    kinds: tuple[KindMapping, ...]
    name: str = ""
    crs: str | None = None
    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None
    layer: str | None = None
    encoding: str | None = None

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(k.kind for k in self.kinds)


def identity_mapping(kind: str) -> ColumnMapping:
    """The mapping of a file whose columns already carry the schema's field names."""
    entity(kind)
    return ColumnMapping(kinds=(KindMapping(kind),))


def _fail(source: str, where: str, problem: str, fix: str) -> MappingError:
    return MappingError(f"{source}: {where}: {problem}; {fix}")


def _check_fields(source: str, kind: str, names: Sequence[str], section: str) -> None:
    fields = entity(kind).field_names + ("geometry",)
    for name in names:
        if name not in fields:
            raise _fail(
                source,
                f"kinds.{kind}.{section}",
                f"{name!r} is not a field of {kind}",
                f"use one of: {', '.join(fields)}",
            )


def _section(source: str, spec: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = spec.get(key) or {}
    if not isinstance(value, Mapping):
        raise _fail(source, f"{where}.{key}", "must be a mapping of name: value", "see docs/import.md")
    return dict(value)


def _value_map(source: str, name: str, spec: Any) -> ValueMap:
    if not isinstance(spec, Mapping) or "column" not in spec or not isinstance(spec.get("values"), Mapping):
        raise _fail(source, f"maps.{name}", "needs column: and values: {from: to}", "see docs/import.md")
    return ValueMap(
        str(spec["column"]),
        {_key(k): v for k, v in spec["values"].items()},
        spec.get("default"),
        "default" in spec,
    )


def _kind_mapping(
    source: str, kind: str, spec: Mapping[str, Any], defaults: Mapping[str, Any]
) -> KindMapping:
    if kind not in ENTITIES:
        raise _fail(source, f"kinds.{kind}", "unknown kind", f"use one of: {', '.join(ENTITIES)}")
    unknown = set(spec) - _KIND_KEYS
    if unknown:
        raise _fail(source, f"kinds.{kind}", f"unknown keys {sorted(unknown)}", f"use {sorted(_KIND_KEYS)}")
    where = f"kinds.{kind}"
    merged = {
        k: {**_section(source, defaults, k, "defaults"), **_section(source, spec, k, where)}
        for k in ("columns", "values", "maps", "dates")
    }
    for section, names in merged.items():
        _check_fields(source, kind, list(names), section)
    for name, date_spec in merged["dates"].items():
        if not isinstance(date_spec, Mapping) or "year" not in date_spec:
            raise _fail(
                source,
                f"{where}.dates.{name}",
                "needs year: <column> (month:, day: optional)",
                "e.g. {year: year, month: 7, day: 1}",
            )
    filters = {
        str(col): tuple(v) if isinstance(v, list) else (v,)
        for col, v in _section(source, spec, "where", where).items()
    }
    buffer_m = spec.get("buffer_m", defaults.get("buffer_m"))
    return KindMapping(
        kind,
        filters,
        {k: str(v) for k, v in merged["columns"].items()},
        merged["values"],
        {k: _value_map(source, k, v) for k, v in merged["maps"].items()},
        merged["dates"],
        None if buffer_m is None else float(buffer_m),
    )


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read and check a YAML mapping file; every mistake raises one ``MappingError`` with the fix."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(
            f"{path}: cannot read the mapping ({str(exc).splitlines()[0]}); "
            "give a YAML file as in examples/mappings/"
        ) from None
    source = path.name
    if not isinstance(spec, Mapping) or not isinstance(spec.get("kinds"), Mapping) or not spec["kinds"]:
        raise _fail(
            source, "kinds", "missing or empty", "list the kinds of record, e.g. kinds: {finds: {...}}"
        )
    unknown = set(spec) - _TOP_KEYS
    if unknown:
        raise _fail(source, "top level", f"unknown keys {sorted(unknown)}", f"use {sorted(_TOP_KEYS)}")
    defaults = spec.get("defaults") or {}
    kinds = tuple(_kind_mapping(source, str(k), v or {}, defaults) for k, v in spec["kinds"].items())
    text = {
        k: (None if spec.get(k) is None else str(spec[k]))
        for k in ("crs", "lon", "lat", "wkt", "layer", "encoding")
    }
    return ColumnMapping(kinds, name=str(spec.get("name", source)), **text)


def check_columns(mapping: ColumnMapping, columns: Sequence[str], *, file: str) -> None:
    """Raise ``MappingError`` naming the first column the mapping reads that the file lacks."""
    have = set(columns)
    for kind_mapping in mapping.kinds:
        for column in sorted(kind_mapping.source_columns()):
            if column not in have:
                raise MappingError(
                    f"{file}: the mapping reads column {column!r} (for {kind_mapping.kind}), "
                    f"which the file lacks; the columns are: {', '.join(map(str, columns))}"
                )


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _keys(series: pd.Series) -> pd.Series:
    """Column values as the text keys used by filters and value maps (1, 1.0 and "1" all give "1")."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.astype("float64")
        integral = numbers.notna() & (numbers % 1 == 0)
        text = numbers.astype(str).where(~integral, numbers.where(integral, 0).astype("int64").astype(str))
        return text.where(numbers.notna())
    return series.astype(str).str.strip().where(series.notna())


def _selected(frame: pd.DataFrame, where: Mapping[str, tuple[Any, ...]]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column, allowed in where.items():
        mask &= _keys(frame[column]).isin([_key(v) for v in allowed]).to_numpy(dtype=bool)
    return mask


def _buffer_points(geometry: gpd.GeoSeries, buffer_m: float) -> gpd.GeoSeries:
    points = geometry.notna() & (geometry.geom_type == "Point")
    points &= np.isfinite(geometry.x.where(points, 0)) & np.isfinite(geometry.y.where(points, 0))
    if not points.any():
        return geometry
    chosen = geometry[points]
    metric = chosen.estimate_utm_crs()
    buffered = chosen.to_crs(metric).buffer(buffer_m, quad_segs=8).to_crs(geometry.crs)
    result = geometry.copy()
    result[points] = buffered
    return result


def _apply_kind(frame: pd.DataFrame, rule: KindMapping) -> pd.DataFrame:
    schema = entity(rule.kind)
    out = pd.DataFrame({ROW_COLUMN: frame[ROW_COLUMN].to_numpy()})
    for name in schema.field_names:
        if name in rule.columns:
            out[name] = frame[rule.columns[name]].array
        elif name in frame.columns:
            out[name] = frame[name].array
    for name, constant in rule.values.items():
        out[name] = constant
    for name, value_map in rule.maps.items():
        keys = _keys(frame[value_map.column]).reset_index(drop=True)
        mapped = keys.map(dict(value_map.values))
        fallback = (
            value_map.default if value_map.has_default else frame[value_map.column].reset_index(drop=True)
        )
        out[name] = mapped.where(keys.isin(list(value_map.values)), fallback).to_numpy()
    for name, spec in rule.dates.items():
        parts = {
            "year": pd.to_numeric(frame[str(spec["year"])], errors="coerce").to_numpy(),
            "month": int(spec.get("month", 1)),
            "day": int(spec.get("day", 1)),
        }
        out[name] = pd.to_datetime(pd.DataFrame(parts), errors="coerce").to_numpy()
    if schema.geometry is None or not isinstance(frame, gpd.GeoDataFrame):
        return out
    geometry = frame.geometry.reset_index(drop=True)
    if rule.buffer_m and schema.geometry == "polygon":
        geometry = _buffer_points(geometry, rule.buffer_m)
    return gpd.GeoDataFrame(out, geometry=geometry.to_numpy(), crs=frame.crs)


def apply_mapping(frame: pd.DataFrame, mapping: ColumnMapping, *, file: str) -> dict[str, pd.DataFrame]:
    """Records of every kind the mapping routes rows to.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The file as read (geometry in EPSG:4326), with ``ROW_COLUMN`` (1-based data rows) or in file order.
    mapping : ColumnMapping
        The mapping (``identity_mapping(kind)`` for files already in the schema's names).
    file : str
        File name used in errors.

    Returns
    -------
    dict of kind -> frame
        Schema columns present in the mapping or file, ``geometry`` where the kind has one, and
        ``ROW_COLUMN``.
    """
    if ROW_COLUMN not in frame.columns:
        frame = frame.assign(**{ROW_COLUMN: np.arange(1, len(frame) + 1)})
    check_columns(mapping, list(frame.columns), file=file)
    routed: dict[str, pd.DataFrame] = {}
    for rule in mapping.kinds:
        chosen = frame[_selected(frame, rule.where)] if rule.where else frame
        part = _apply_kind(chosen.reset_index(drop=True), rule)
        routed[rule.kind] = (
            pd.concat([routed[rule.kind], part], ignore_index=True) if rule.kind in routed else part
        )
    return routed

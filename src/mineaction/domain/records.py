"""Typed single records for one-at-a-time paths (an edit, an API call), checked by the import rules.

Bulk data moves as frames; a ``Record`` is one row of such a frame with its kind attached, checked field by
field against the entity schema.
``Record.create("finds", category="AP", found_on="2022-08-01", geometry=...)`` raises
``ValidationError`` naming the field and the fix, exactly as an importer would for a file row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from mineaction.domain.schema import EntitySchema, entity
from mineaction.domain.validate import validate_frame
from mineaction.errors import ValidationError

__all__ = ["Record"]


@dataclass(frozen=True)
class Record:
    """One validated record of ``kind``: field values (vocabulary codes, typed) and geometry (WGS84)."""

    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)
    geometry: BaseGeometry | None = None

    @classmethod
    def create(
        cls,
        kind: str,
        *,
        geometry: BaseGeometry | None = None,
        aoi: Sequence[float] | None = None,
        today: date | None = None,
        **values: Any,
    ) -> Record:
        """Validate ``values`` (field name to value; unknown names are an error) and return the record.

        Parameters
        ----------
        kind : str
            Kind of record, e.g. ``"hazardous_areas"``.
        geometry : shapely geometry, optional
            In WGS84 (EPSG:4326), lon/lat order.
        aoi : (west, south, east, north), optional
            Area of interest in degrees; a geometry outside it is an error.
        today : date, optional
            Dates after this day are errors (default: today, UTC).
        """
        schema = entity(kind)
        unknown = sorted(set(values) - set(schema.field_names))
        if unknown:
            raise ValidationError(
                f"{kind}: unknown field(s) {unknown}; fields are {list(schema.field_names)}"
            )
        frame = pd.DataFrame([values], columns=list(schema.field_names))
        if schema.geometry is not None:
            frame = gpd.GeoDataFrame(frame, geometry=[geometry], crs="EPSG:4326")
        report = validate_frame(frame, schema, file=kind, aoi=aoi, today=today)
        if not report.ok:
            raise ValidationError(f"{kind}: {report.errors[0].message()}", report)
        return cls.from_row(schema, report.frame.iloc[0])

    @classmethod
    def from_row(cls, kind: str | EntitySchema, row: Mapping[str, Any] | pd.Series) -> Record:
        """A record from one row of a frame with the schema's columns (not validated: trusted frame)."""
        schema = entity(kind) if isinstance(kind, str) else kind
        values = {name: _plain(row.get(name)) for name in schema.field_names}
        geometry = row.get("geometry") if schema.geometry is not None else None
        return cls(schema.kind, MappingProxyType(values), geometry)

    @property
    def id(self) -> str | None:
        return self.values.get("id")

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def to_frame(self) -> pd.DataFrame:
        """A one-row frame (a GeoDataFrame in EPSG:4326 for kinds with geometry) ready for ``Store.write``."""
        schema = entity(self.kind)
        frame = pd.DataFrame([dict(self.values)], columns=list(schema.field_names))
        if schema.geometry is None:
            return frame
        return gpd.GeoDataFrame(frame, geometry=[self.geometry], crs="EPSG:4326")


def _plain(value: Any) -> Any:
    """None for missing values of any pandas flavour; the value otherwise."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value

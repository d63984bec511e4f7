"""What every store checks before it writes: the domain's validation, with the store's own settings.

``checked_frame(store, kind, frame)`` returns the frame a write may store: the normalised frame of
``mineaction.domain.validate_frame`` run with the store's area of interest (setting ``aoi``), its metric CRS
(setting ``metric_crs``, else the UTM zone of the data) and today's date (UTC), or, when ``frame`` carries a
seal made by that validation with the same settings (``mineaction.domain.seal``), the frame itself, unchecked
a second time. A frame with an error raises ``ValidationError`` with the message ``import`` gives for the
same row, and nothing is written. Whoever calls ``Store.write`` (the importer, a script, the server), the
store refuses what the domain refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mineaction.domain.schema import EntitySchema
from mineaction.domain.seal import is_sealed
from mineaction.domain.validate import validate_frame
from mineaction.errors import InputError, ValidationError
from mineaction.store.base import Store

__all__ = ["checked_frame", "write_context"]


def write_context(store: Store, schema: EntitySchema) -> dict[str, Any]:
    """The settings a write of ``schema``'s records is checked with: kind, aoi, today and metric CRS."""
    return {
        "kind": schema.kind,
        "aoi": store.get_setting("aoi"),
        "today": datetime.now(UTC).date(),
        "metric_crs": store.get_setting("metric_crs") or "auto",
    }


def _known_columns(schema: EntitySchema, frame: pd.DataFrame) -> pd.DataFrame:
    active = getattr(frame, "_geometry_column_name", None)
    if isinstance(frame, gpd.GeoDataFrame) and active not in (None, "geometry"):
        frame = frame.rename_geometry("geometry")  # the active geometry is the geometry, whatever its name
    known = set(schema.field_names) | ({"geometry"} if schema.geometry else set())
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise InputError(
            f"{schema.kind}: unknown columns {unknown}; rename them to fields of "
            f"{schema.kind} ({', '.join(schema.field_names)}) or drop them"
        )
    return frame


def _in_wgs84(schema: EntitySchema, frame: pd.DataFrame) -> pd.DataFrame:
    if schema.geometry is None or "geometry" not in frame.columns:
        return frame
    series = frame["geometry"]
    crs = getattr(series, "crs", None)
    if crs is not None:
        return frame if crs.to_epsg() == 4326 else gpd.GeoDataFrame(frame).to_crs(4326)
    values = np.asarray(series, dtype=object)
    try:
        shapely.is_missing(values)
        shapely.get_type_id(values)
    except TypeError:
        example = next(v for v in values if v is not None and not isinstance(v, shapely.Geometry))
        raise InputError(
            f"{schema.kind}: the geometry column holds values that are not geometries (e.g. "
            f"{example!r}); parse them first, e.g. with geopandas.GeoSeries.from_wkt"
        ) from None
    return frame


def checked_frame(store: Store, schema: EntitySchema, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` validated and normalised for a write to ``store`` (see the module docstring).

    Raises
    ------
    InputError
        A column the kind does not have, or a geometry column that does not hold geometries.
    ValidationError
        Some row has an error; ``.report`` holds every issue.
    """
    frame = _known_columns(schema, frame)
    context = write_context(store, schema)
    if is_sealed(frame, **context):
        return frame
    report = validate_frame(
        _in_wgs84(schema, frame),
        schema,
        file=schema.kind,
        aoi=context["aoi"],
        today=context["today"],
        metric_crs=context["metric_crs"],
    )
    if not report.ok:
        raise ValidationError(f"{schema.kind}: write refused, nothing stored: {report.summary()}", report)
    return report.frame

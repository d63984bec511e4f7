"""Seals on validated frames: made only by validation, broken by any change, bound to the checks' settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mineaction.domain.seal import is_sealed
from mineaction.domain.validate import validate_frame

AOI = [44.5, 38.3, 50.9, 41.95]
TODAY = date(2025, 6, 1)
CONTEXT = {"kind": "finds", "aoi": AOI, "today": TODAY, "metric_crs": "auto"}


def validated() -> pd.DataFrame:
    frame = gpd.GeoDataFrame(
        {
            "category": ["AP", "AT", "UXO"],
            "found_on": ["2022-05-01", "2022-05-02", "2022-05-03"],
            "depth_cm": [5.0, 10.0, None],
            "manufacture_year": [1985, None, 1990],
            "evidence_free_text": ["ignored", "by", "validation"],
        },
        geometry=shapely.points([46.5, 46.6, 46.7], [40.0, 40.0, 40.0]),
        crs="EPSG:4326",
    )
    report = validate_frame(frame, "finds", aoi=AOI, today=TODAY, metric_crs="auto")
    assert report.ok
    return report.frame


def test_validation_seals_its_frame_and_copies_stay_sealed() -> None:
    frame = validated()
    assert is_sealed(frame, **CONTEXT)
    assert is_sealed(frame.copy(), **CONTEXT) and is_sealed(frame.reset_index(drop=True), **CONTEXT)
    later = {**CONTEXT, "today": date(2026, 1, 1)}  # checked for an earlier day: still within the rules
    assert is_sealed(frame, **later)


CHANGES: dict[str, Callable[[pd.DataFrame], pd.DataFrame | None]] = {
    "a value set with loc": lambda f: f.__setitem__("category", f["category"].where(f.index != 1, "banana")),
    "a date moved": lambda f: f.__setitem__("found_on", f["found_on"] + pd.Timedelta(days=30_000)),
    "a number set in place": lambda f: f.loc.__setitem__((0, "depth_cm"), -5.0),
    "an int set in place": lambda f: f.loc.__setitem__((0, "manufacture_year"), 3000),
    "a geometry replaced": lambda f: f.loc.__setitem__((0, "geometry"), shapely.Point(147.2, 40.0)),
    "a column added": lambda f: f.__setitem__("colour", "red"),
    "a row dropped": lambda f: f.drop(index=1),
    "another CRS declared": lambda f: f.set_crs(32638, allow_override=True),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_breaks_the_seal(change: str) -> None:
    frame = validated()
    changed = CHANGES[change](frame)
    assert not is_sealed(frame if changed is None else changed, **CONTEXT)


def test_the_seal_is_bound_to_the_settings_of_the_checks() -> None:
    frame = validated()
    assert not is_sealed(frame, **{**CONTEXT, "kind": "accidents"})
    assert not is_sealed(frame, **{**CONTEXT, "aoi": [-79.1, -4.3, -66.8, 13.5]})
    assert not is_sealed(frame, **{**CONTEXT, "metric_crs": "EPSG:32638"})
    assert not is_sealed(frame, **{**CONTEXT, "today": date(2025, 5, 31)})  # a later today was laxer
    forged = frame.copy()
    forged.attrs["mineaction_seal"] = {"today": "2025-06-01", "digest": "0" * 64}
    assert not is_sealed(forged, **CONTEXT)


def test_only_the_rows_without_errors_of_an_intact_report_are_sealed() -> None:
    frame = gpd.GeoDataFrame(
        {"category": ["AP", "banana", "UXO"], "found_on": ["2022-05-01"] * 3},
        geometry=shapely.points([46.5, 46.6, 46.7], [40.0, 40.0, 40.0]),
        crs="EPSG:4326",
    )
    report = validate_frame(frame, "finds", aoi=AOI, today=TODAY, metric_crs="auto")
    assert not report.ok and not is_sealed(report.frame, **CONTEXT)
    kept = report.valid_frame()
    assert kept["category"].tolist() == ["AP", "UXO"] and is_sealed(kept, **CONTEXT)
    report.frame.loc[0, "category"] = "AT"  # changed after validation: the rows are no longer vouched for
    assert not is_sealed(report.valid_frame(), **CONTEXT)

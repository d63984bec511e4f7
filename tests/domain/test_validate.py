"""Validation of record frames: every rule names the row, field and fix; normalised output; vectorised."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mineaction.domain.validate import ValidationReport, validate_frame

AOI = (44.5, 38.3, 50.9, 41.95)  # Azerbaijan, degrees
TODAY = date(2025, 6, 1)


def finds(n: int = 3, **columns: object) -> gpd.GeoDataFrame:
    """``n`` valid finds inside the AOI; ``columns`` override whole columns."""
    base = {
        "category": ["AP"] * n,
        "found_on": ["2022-05-01"] * n,
        "model": ["PMN-2"] * n,
        "depth_cm": [5.0] * n,
        "district": [f"D{i}" for i in range(n)],
    }
    base.update(columns)  # type: ignore[arg-type]
    x = np.linspace(46.0, 47.0, n)
    return gpd.GeoDataFrame(base, geometry=shapely.points(x, np.full(n, 40.0)), crs="EPSG:4326")


def check(frame: pd.DataFrame, kind: str = "finds", **kw: object) -> ValidationReport:
    return validate_frame(frame, kind, file="f.csv", aoi=AOI, today=TODAY, **kw)  # type: ignore[arg-type]


def only_error(report: ValidationReport) -> tuple[int, str, str]:
    assert report.n_errors == 1, report.to_frame().to_string()
    issue = report.errors[0]
    return issue.row, issue.field, issue.reason


def test_valid_frame_has_no_issues_and_is_normalised() -> None:
    report = check(finds(category=["ap", "Anti-personnel mine", " UXO "], depth_cm=["5", 7, None]))
    assert report.ok and len(report) == 0 and report.summary() == "no issues"
    out = report.frame
    assert list(out["category"]) == ["AP", "AP", "UXO"]
    assert out["depth_cm"].tolist()[:2] == [5.0, 7.0] and pd.isna(out["depth_cm"].iloc[2])
    assert str(out["found_on"].dtype).startswith("datetime64")
    assert out.crs.to_epsg() == 4326 and list(out.columns)[-1] == "geometry"


def test_unknown_vocabulary_term_names_the_allowed_codes() -> None:
    row, field, reason = only_error(check(finds(category=["AP", "mine-ish", "AT"])))
    assert (row, field) == (2, "category")
    issue = check(finds(category=["AP", "mine-ish", "AT"])).errors[0]
    assert "AP, AT, UXO, IED, cluster, unknown" in issue.fix and issue.value == "mine-ish"


def test_required_field_missing() -> None:
    row, field, reason = only_error(check(finds(found_on=["2022-01-01", "", "2022-01-02"])))
    assert (row, field, reason) == (2, "found_on", "required value missing")


def test_huge_value_and_bad_number_rejected() -> None:
    report = check(finds(manufacture_year=[1e30, 1990, "nineteen"]))
    assert [(i.row, i.field) for i in report.errors] == [(1, "manufacture_year"), (3, "manufacture_year")]
    assert "out of range (1,900 to 2,100)" in report.errors[0].reason
    assert report.frame["manufacture_year"].isna().tolist() == [True, False, True]


def test_future_date_and_bad_date() -> None:
    report = check(finds(found_on=["2030-01-01", "01/02/2022", "2022-02-01"]))
    assert [(i.row, i.field) for i in report.errors] == [(1, "found_on"), (2, "found_on")]
    assert "after today (2025-06-01)" in report.errors[0].reason
    assert "not an ISO date" in report.errors[1].reason


def test_manufacture_year_after_find() -> None:
    row, field, _ = only_error(check(finds(manufacture_year=[2021, 2023, None])))
    assert (row, field) == (2, "manufacture_year")


def test_duplicate_ids_are_errors_and_malformed_ids_too() -> None:
    report = check(finds(id=["EO-000001", "EO-000001", "HA-000002"]))
    assert [(i.row, i.field) for i in report.errors] == [(2, "id"), (3, "id")]
    assert report.errors[0].reason == "id already used on row 1"
    assert "EO-000123" in report.errors[1].fix


def test_exact_duplicate_rows_without_ids_are_warnings() -> None:
    frame = finds(district=["same"] * 3)
    frame.geometry = shapely.points([46.5, 46.5, 46.6], [40.0, 40.0, 40.0])
    report = check(frame)
    assert report.ok and report.n_warnings == 1 and report.warnings[0].row == 2


def test_nan_coordinate_and_missing_geometry() -> None:
    frame = finds()
    frame.geometry = [shapely.Point(np.nan, 40.0), None, shapely.Point(46.5, 40.0)]
    report = check(frame)
    assert [(i.row, i.field) for i in report.errors] == [(1, "geometry"), (2, "geometry")]
    assert "NaN" in report.errors[0].reason and "no geometry" in report.errors[1].reason


def test_out_of_range_swapped_and_sign_hints() -> None:
    frame = finds(4)
    frame.geometry = shapely.points([40.2, -46.5, 200.0, 500000.0], [46.5, 40.0, 40.0, 4400000.0])
    report = check(frame)
    issues = {i.row: i for i in report.errors}
    assert sorted(issues) == [1, 2, 3, 4] and all(i.field == "geometry" for i in issues.values())
    assert "swap" in issues[1].fix and "area of interest" in issues[1].reason
    assert "sign" in issues[2].fix
    assert "-180 to 180" in issues[3].reason
    assert "metric coordinates" in issues[4].fix and "CRS" in issues[4].fix


def test_wrong_geometry_type_and_invalid_polygon() -> None:
    bowtie = shapely.from_wkt("POLYGON ((46 40, 46.1 40.1, 46.1 40, 46 40.1, 46 40))")
    frame = gpd.GeoDataFrame(
        {"hazard_kind": ["SHA", "SHA"], "status": ["open", "open"]},
        geometry=[shapely.Point(46, 40), bowtie],
        crs="EPSG:4326",
    )
    report = check(frame, "hazardous_areas")
    assert [(i.row, i.field) for i in report.errors] == [(1, "geometry"), (2, "geometry")]
    assert "a Point, but a hazardous area needs a polygon" in report.errors[0].reason
    assert "Self-intersection" in report.errors[1].reason


def test_worked_area_and_dates_of_activities() -> None:
    square = shapely.box(46.0, 40.0, 46.01, 40.01)  # about 853 m x 1,112 m, 0.95 km2
    frame = gpd.GeoDataFrame(
        {
            "activity_kind": ["clearance", "TS"],
            "started_on": ["2022-01-10", "2022-03-01"],
            "ended_on": ["2022-02-01", "2022-02-01"],
            "cleared_m2": [900_000, 2_000_000],
            "reduced_m2": [0, 0],
        },
        geometry=[square, square],
        crs="EPSG:4326",
    )
    report = check(frame, "activities")
    assert sorted((i.row, i.field) for i in report.errors) == [(2, "cleared_m2"), (2, "ended_on")]
    area_issue = next(i for i in report.errors if i.field == "cleared_m2")
    area = float(area_issue.reason.split("(")[1].split(" m2")[0])
    assert 940_000 < area < 960_000


def test_victim_age_range_and_rows_argument() -> None:
    frame = pd.DataFrame(
        {"accident": ["AC-000001"] * 3, "outcome": ["killed", "injured", "injured"], "age": [12, 111, -1]}
    )
    report = validate_frame(frame, "victims", file="v.csv", rows=[10, 11, 12], today=TODAY)
    assert [(i.row, i.field) for i in report.errors] == [(11, "age"), (12, "age")]
    assert report.error_rows("victims").tolist() == [11, 12]


def test_summary_names_first_issue_and_count() -> None:
    report = check(finds(category=["AP", "bogus", "bogus"]))
    assert report.summary().startswith("2 error(s), 0 warning(s); first: f.csv row 2, category = 'bogus'")
    table = report.to_frame()
    assert list(table.columns) == ["file", "kind", "row", "field", "value", "reason", "fix", "severity"]
    merged = ValidationReport.merge([report, check(finds(found_on=["x", "2022-01-01", "2022-01-01"]))])
    assert merged.n_errors == 3 and merged.errors[0].row == 1


@pytest.mark.parametrize("n", [200_000])
def test_many_points_validate_as_columns(n: int) -> None:
    rng = np.random.default_rng(3)
    frame = gpd.GeoDataFrame(
        {
            "category": rng.choice(["AP", "AT", "UXO"], n),
            "found_on": "2022-05-01",
            "manufacture_year": rng.integers(1970, 2020, n).astype(float),
            "depth_cm": rng.uniform(0, 30, n),
        },
        geometry=shapely.points(rng.uniform(45, 50, n), rng.uniform(39, 41, n)),
        crs="EPSG:4326",
    )
    frame.loc[[17, 99_999], "category"] = "bogus"
    report = check(frame)
    assert report.error_rows().tolist() == [18, 100_000]
    assert report.frame["category"].value_counts().sum() == n - 2


@pytest.mark.parametrize(
    ("kind", "field"),
    [("finds", "found_on"), ("hazardous_areas", "reported_on"), ("activities", "started_on")],
)
def test_far_past_dates_are_refused_never_stored_as_another_date(kind: str, field: str) -> None:
    square = shapely.box(46.0, 40.0, 46.01, 40.01)
    base = {
        "finds": {"category": "AP", "found_on": "2022-05-01"},
        "hazardous_areas": {"hazard_kind": "SHA", "status": "open", "reported_on": "2022-05-01"},
        "activities": {"activity_kind": "TS", "started_on": "2022-05-01"},
    }[kind]
    geometry = shapely.Point(46.5, 40.0) if kind == "finds" else square
    values = ["0001-01-01", "-2021-01-01", "1899-12-31", "1900-01-01"]
    frame = gpd.GeoDataFrame(
        [{**base, field: v} for v in values], geometry=[geometry] * len(values), crs="EPSG:4326"
    )
    report = check(frame, kind)
    assert [(i.row, i.field) for i in report.errors] == [(1, field), (2, field), (3, field)]
    assert all("lies before 1900-01-01" in i.reason for i in report.errors)
    assert report.frame[field].isna().tolist() == [True, True, True, False]  # never another date


def test_every_geometry_gets_the_area_of_interest_check_and_huge_polygons_a_warning() -> None:
    world = shapely.box(-180, -90, 180, 90)
    district = shapely.box(46.0, 39.5, 46.5, 40.0)  # about 2,400 km2: inside, but far larger than a hazard
    crossing = shapely.box(50.5, 40.0, 51.5, 40.1)
    frame = gpd.GeoDataFrame(
        {"hazard_kind": ["SHA"] * 3, "status": ["open"] * 3}, geometry=[world, district, crossing], crs=4326
    )
    report = check(frame, "hazardous_areas")
    assert [(i.row, i.field) for i in report.errors] == [(1, "geometry"), (3, "geometry")]
    assert all("reaches outside the area of interest" in i.reason for i in report.errors)
    warned = {i.row: i.reason for i in report.warnings}
    assert sorted(warned) == [1, 2] and "km2, far larger than any plausible hazardous area" in warned[2]
    assert 2_000 < float(warned[2].split()[1].replace(",", "")) < 3_000
    lines = gpd.GeoDataFrame(
        {"layer_kind": ["river"]}, geometry=[shapely.LineString([(45.0, 39.0), (52.0, 39.5)])], crs=4326
    )
    assert check(lines, "context_layers").ok  # reference lines may run beyond the area
    # a corrupt file's polygon with a vertex at 1e300 degrees: refused as outside, never an exception
    beyond = shapely.Polygon([(44.0, 40.0), (1e300, 40.0), (45.0, 41.0)])
    far = gpd.GeoDataFrame({"hazard_kind": ["SHA"], "status": ["open"]}, geometry=[beyond], crs=4326)
    assert [i.field for i in check(far, "hazardous_areas").errors] == ["geometry"]

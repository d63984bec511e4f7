"""A store guards itself: every back end refuses through the Python API what an import refuses, with the
same message, and a frame comes back with the values and dtypes it was validated with."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import mineaction.store.guard as guard
from mineaction.domain.validate import validate_frame
from mineaction.errors import ValidationError
from mineaction.io import import_file, read_table

AOI = [44.5, 38.3, 50.9, 41.95]  # Azerbaijan, degrees
HEADER = "id,category,model,found_on,manufacture_year,depth_cm,activity,district,lon,lat\n"
GOOD = ",AP,PMN-2,2022-05-01,1985,5,,Aghdam,46.93,39.99\n"
INVALID = {
    "unknown term": ",banana,PMN-2,2022-05-01,1985,5,,Aghdam,46.93,39.99\n",
    "dated 2099": ",AP,PMN-2,2099-05-01,1985,5,,Aghdam,46.93,39.99\n",
    "made in 3000": ",AP,PMN-2,2022-05-01,3000,5,,Aghdam,46.93,39.99\n",
    "negative depth": ",AP,PMN-2,2022-05-01,1985,-5,,Aghdam,46.93,39.99\n",
    "outside the area of interest": ",AP,PMN-2,2022-05-01,1985,5,,Aghdam,147.2,39.99\n",
    "another kind's id": "HA-000001,AP,PMN-2,2022-05-01,1985,5,,Aghdam,46.93,39.99\n",
    "malformed reference": ",AP,PMN-2,2022-05-01,1985,5,AT-XYZ,Aghdam,46.93,39.99\n",
    "dated before 1900": ",AP,PMN-2,0001-01-01,,5,,Aghdam,46.93,39.99\n",
}
WHO = {"author": "tester", "reason": "guard test"}


def _state(store) -> tuple[object, ...]:
    path = getattr(store, "path", None)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if path and path != ":memory:" else None
    return store.counts()["finds"], len(store.history("finds")), digest


def _first_error(message: str, label: str) -> str:
    """The first error of a refusal message, without the file label and the import's advice."""
    first = message.split("; first: ", 1)[1].split(" (use --skip-invalid", 1)[0]
    return first.replace(f"{label} row", "row", 1)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_the_python_api_refuses_what_import_refuses_with_the_same_message(
    store, tmp_path: Path, case: str
) -> None:
    store.set_setting("aoi", AOI)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD)
    import_file(store, good, kind="finds", **WHO)
    source = tmp_path / "finds.csv"
    source.write_text(HEADER + INVALID[case])
    before = _state(store)
    with pytest.raises(ValidationError) as by_import:
        import_file(store, source, kind="finds", **WHO)
    frame = read_table(source).drop(columns=["lon", "lat"])  # the same values, as a caller would give them
    with pytest.raises(ValidationError) as by_api:
        store.write("finds", frame, **WHO)
    assert _state(store) == before
    assert str(by_api.value).startswith("finds: write refused, nothing stored: ")
    assert _first_error(str(by_api.value), "finds") == _first_error(str(by_import.value), "finds.csv")
    ours, theirs = by_api.value.report.errors[0], by_import.value.report.errors[0]
    assert (ours.row, ours.field, ours.reason, ours.fix) == (
        theirs.row,
        theirs.field,
        theirs.reason,
        theirs.fix,
    )


def test_a_validated_frame_changed_afterwards_is_checked_again(store) -> None:
    store.set_setting("aoi", AOI)
    frame = gpd.GeoDataFrame(
        {"category": ["AP", "AT"], "found_on": ["2022-05-01", "2022-05-02"]},
        geometry=shapely.points([46.5, 46.6], [40.0, 40.0]),
        crs="EPSG:4326",
    )
    report = validate_frame(frame, "finds", aoi=AOI, metric_crs="auto")
    changed = report.frame.copy()
    changed["category"] = ["AP", "banana"]
    with pytest.raises(ValidationError, match="finds row 2, category = 'banana'"):
        store.write("finds", changed, **WHO)
    validated_elsewhere = validate_frame(frame, "finds", aoi=None, metric_crs="auto").frame
    calls = []
    checks = guard.validate_frame
    try:
        guard.validate_frame = lambda *a, **k: calls.append(1) or checks(*a, **k)  # type: ignore[assignment]
        assert len(store.write("finds", report.frame, **WHO).inserted) == 2
        assert calls == []  # sealed with the store's own settings: not checked a second time
        store.write("finds", validated_elsewhere, **WHO)
        assert calls == [1]  # sealed without the store's area of interest: checked again
    finally:
        guard.validate_frame = checks  # type: ignore[assignment]


def _every_type() -> dict[str, pd.DataFrame]:
    stamps = ["2022-05-01T10:11:12.345Z", "2023-01-02T03:04:05+04:00"]
    finds = gpd.GeoDataFrame(
        {
            "id": ["EO-000001", "EO-000002"],
            "source": ["ANAMA (simulated)", None],
            "source_ref": ["OP-ABC-17", None],
            "recorded_at": stamps,
            "category": ["ap", "Anti-vehicle mine"],
            "manufacture_year": [1985, None],
            "found_on": ["2022-05-01", "2023-01-10"],
            "depth_cm": ["5.5", None],
            "condition": ["armed", None],
        },
        geometry=shapely.points([46.5, 46.6], [40.0, 40.1]),
        crs="EPSG:4326",
    )
    accidents = gpd.GeoDataFrame(
        {
            "id": ["AC-000001", "AC-000002"],
            "recorded_at": stamps,
            "occurred_on": ["2023-04-01", "2023-05-01"],
            "demining": ["sí", "no"],
            "location_known": [True, None],
        },
        geometry=[shapely.Point(46.7, 39.7), None],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {
            "id": ["HA-000001", "HA-000002"],
            "recorded_at": stamps,
            "hazard_kind": ["SHA", "CHA"],
            "status": ["open", "released"],
            "evidence": ['[{"kind": "accident", "direct": true}]', None],
            "confidence": [0.25, None],
        },
        geometry=[shapely.box(46.0, 40.0, 46.01, 40.01), shapely.box(46.1, 40.0, 46.11, 40.01)],
        crs="EPSG:4326",
    )
    return {"finds": finds, "accidents": accidents, "hazardous_areas": areas}


def test_what_goes_in_comes_back_with_the_same_values_and_dtypes(store) -> None:
    store.set_setting("aoi", AOI)
    for kind, frame in _every_type().items():
        validated = validate_frame(frame, kind, aoi=AOI, metric_crs="auto").frame
        store.write(kind, frame, **WHO)  # the raw frame: the store parses it with the same parsers
        back = store.read(kind)
        assert back.dtypes.astype(str).to_dict() == validated.dtypes.astype(str).to_dict()
        pd.testing.assert_frame_equal(
            pd.DataFrame(back.drop(columns="geometry")), pd.DataFrame(validated.drop(columns="geometry"))
        )
        ours, theirs = back.geometry.array, validated.geometry.array
        assert (ours.isna() == theirs.isna()).all()
        assert shapely.equals_exact(ours[~ours.isna()], theirs[~theirs.isna()], 0).all()
    assert store.read("accidents")["demining"].tolist() == [True, False]
    assert store.read("finds")["recorded_at"].iloc[1] == pd.Timestamp("2023-01-01T23:04:05Z")

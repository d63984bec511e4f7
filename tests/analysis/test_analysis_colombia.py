"""On Colombia's real landmine events register, through the product's own import and analysis.

Reads ../shared/data/colombia/events_1990_2019.csv (skipped when absent). The published figure: of the 362 MAP
accidents (tipo_evento 1) of 2015 to 2019, 81.5 % lie more than 1 km from every suspected-minefield report
(tipo_evento 8) of 1990 to 2014.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mineaction.analysis import data_quality, share_farther_than, utm_crs_of
from mineaction.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / ".." / "shared" / "data" / "colombia" / "events_1990_2019.csv"
MAPPING = ROOT / "examples" / "mappings" / "colombia_events.yaml"
COLOMBIA_AOI = (-79.1, -4.3, -66.8, 13.5)

pytestmark = pytest.mark.skipif(not EVENTS.exists(), reason=f"Colombian events file absent ({EVENTS})")


def _period(frame: pd.DataFrame, field: str, first: int, last: int) -> pd.DataFrame:
    years = pd.to_datetime(frame[field]).dt.year
    return frame.loc[years.between(first, last)]


def _share(accidents: pd.DataFrame, hazards: pd.DataFrame) -> dict[str, float | int]:
    mine_accidents = _period(accidents.loc[accidents["category"] == "AP"], "occurred_on", 2015, 2019)
    suspected = _period(hazards, "reported_on", 1990, 2014)
    crs = utm_crs_of(mine_accidents)
    assert crs == "EPSG:32618"  # UTM 18N, estimated from the data
    return share_farther_than(mine_accidents, suspected, distance_m=1000, crs=crs)


def _read_mapped() -> dict[str, pd.DataFrame]:
    from mineaction.io import apply_mapping, load_mapping, read_table

    mapping = load_mapping(MAPPING)
    raw = read_table(EVENTS, lon=mapping.lon, lat=mapping.lat, crs=mapping.crs)
    return apply_mapping(raw, mapping, file=EVENTS.name)


@pytest.mark.slow
def test_accidents_far_from_earlier_suspected_minefields(tmp_path: Path) -> None:
    from mineaction.io import import_file
    from mineaction.store import init_store

    store = init_store("memory://", aoi=COLOMBIA_AOI)
    try:
        result = import_file(
            store,
            EVENTS,
            mapping=MAPPING,
            skip_invalid=True,
            rejects_path=tmp_path / "rejects.csv",
            author="test",
            reason="Colombia test",
        )
        stored = _share(store.read("accidents"), store.read("hazardous_areas"))
    finally:
        store.close()
    assert result.rejects_path is not None
    read = _share(*(_read_mapped()[k] for k in ("accidents", "hazardous_areas")))
    # Through the store (a repeated report is a record of its own) and straight from the mapped rows alike:
    # the published 362 accidents and 81.5 %.
    for measured in (stored, read):
        assert measured["n_events"] == 362
        assert measured["share"] == pytest.approx(0.815, abs=0.005)


def test_quality_reports_the_wrong_longitude_sign() -> None:
    frames = _read_mapped()
    issues = data_quality(frames, settings=Settings(aoi=COLOMBIA_AOI, metric_crs="EPSG:32618"))
    outside = issues.loc[issues["check"] == "outside the area of interest"]
    assert len(outside) == 1
    row = outside.iloc[0]
    assert row["id"] == "row 5779"
    assert "lon 74.23" in row["value"] and "check the sign" in row["value"]
